using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using PhotoApi.Auth;

namespace PhotoApi.Health;

/// <summary>/health/live (the process answers) and /health/ready (database reachable, issuer keys held).</summary>
public sealed record HealthReportResponse(string Status, IReadOnlyDictionary<string, string> Checks);

public static class HealthApi
{
    private const string Ready = "ready";

    public static IHostApplicationBuilder AddPhotoApiHealth(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks()
            .AddNpgSql(name: "database", tags: [Ready], timeout: TimeSpan.FromSeconds(3))
            .AddCheck<IssuerKeysHealthCheck>("issuer-keys", tags: [Ready]);
        return builder;
    }

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder routes)
    {
        routes.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync })
            .AllowAnonymous().DisableRateLimiting();
        routes.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(Ready), ResponseWriter = WriteAsync })
            .AllowAnonymous().DisableRateLimiting();
        return routes;
    }

    // Names and statuses only: exception messages stay in the logs.
    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.Headers.CacheControl = "no-store";
        return context.Response.WriteAsJsonAsync(
            new HealthReportResponse(report.Status.ToString(), report.Entries.ToDictionary(e => e.Key, e => e.Value.Status.ToString())),
            Http.PhotoApiJsonContext.Default.HealthReportResponse);
    }
}
