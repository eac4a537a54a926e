using System.Text.Json.Serialization;
using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using PhotoApi.Auth;
using PhotoApi.Http;

namespace PhotoApi.Health;

/// <summary>/health/live (the process answers) and /health/ready (database reachable, issuer keys held).</summary>
public sealed record HealthReportResponse(string Status, IReadOnlyDictionary<string, string> Checks);

public static class HealthApi
{
    public const string Ready = "ready";

    public static IHostApplicationBuilder AddPhotoApiHealth(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks()
            .AddNpgSql(name: "database", tags: [Ready], timeout: TimeSpan.FromSeconds(3))
            .AddCheck<IssuerKeysHealthCheck>("issuer-keys", tags: [Ready]);
        builder.Services.AddJsonTypes(HealthJsonContext.Default);
        builder.Services.AddSingleton(provider => new ReadinessCache(provider.GetRequiredService<HealthCheckService>(), TimeProvider.System));
        return builder;
    }

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder routes)
    {
        routes.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync })
            .AllowAnonymous().DisableRateLimiting();
        // Anonymous and unlimited, so it must be cheap: every caller within a second shares one run of the checks.
        routes.MapGet("/health/ready", async (HttpContext context, ReadinessCache readiness) =>
            {
                var report = await readiness.GetAsync();
                context.Response.StatusCode = report.Status == HealthStatus.Unhealthy ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
                await WriteAsync(context, report);
            })
            .AllowAnonymous().DisableRateLimiting().ExcludeFromDescription();
        return routes;
    }

    // Names and statuses only: exception messages stay in the logs.
    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.Headers.CacheControl = "no-store";
        return context.Response.WriteAsJsonAsync(
            new HealthReportResponse(report.Status.ToString(), report.Entries.ToDictionary(e => e.Key, e => e.Value.Status.ToString())),
            HealthJsonContext.Default.HealthReportResponse);
    }
}

/// <summary>
/// The readiness report, computed at most once per <see cref="Lifetime"/> however many callers ask: a flood of
/// /health/ready costs one database query a second, not one per request (and never drains the pool).
/// </summary>
public sealed class ReadinessCache(HealthCheckService health, TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private Task<HealthReport>? _report;
    private DateTimeOffset _expires;

    public Task<HealthReport> GetAsync()
    {
        lock (_lock)
        {
            // A run in progress is shared; a finished one is served until it is a second old.
            if (_report is null || (_report.IsCompleted && time.GetUtcNow() >= _expires))
            {
                _report = RunAsync();
            }
            return _report;
        }
    }

    private async Task<HealthReport> RunAsync()
    {
        var report = await health.CheckHealthAsync(check => check.Tags.Contains(HealthApi.Ready), CancellationToken.None);
        lock (_lock)
        {
            _expires = time.GetUtcNow() + Lifetime;
        }
        return report;
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(HealthReportResponse))]
internal sealed partial class HealthJsonContext : JsonSerializerContext;
