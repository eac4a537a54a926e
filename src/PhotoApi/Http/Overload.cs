using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.Mvc;

namespace PhotoApi.Http;

/// <summary>The <c>Limits__*</c> settings: how much work the API takes on at once, and how long one request may take.</summary>
public sealed class OverloadOptions
{
    public const string Section = "Limits";

    /// <summary>Requests served at the same time; the rest wait in the queue. 0 turns the limiter off (e.g. when a proxy limits).</summary>
    public int MaxConcurrentRequests { get; set; } = 64;

    /// <summary>Requests allowed to wait for a slot; beyond this, requests are shed at once with 503.</summary>
    public int QueueLength { get; set; } = 256;

    /// <summary>Longest time a (non-streaming) request may run before it is cancelled with 503.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>On SIGTERM, how long in-flight requests get to finish before the process exits.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Graceful overload and shutdown, from the platform's parts: a concurrency limiter with a bounded queue (the built-in
/// rate limiter) so a burst far above capacity is shed fast instead of timing out everyone, ASP.NET Core's request
/// timeouts, and the host's shutdown timeout as the drain window.
/// </summary>
public static class Overload
{
    public static IHostApplicationBuilder AddPhotoApiOverloadProtection(this IHostApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(OverloadOptions.Section);
        builder.Services.AddOptions<OverloadOptions>()
            .Bind(section)
            .Validate(o => o.MaxConcurrentRequests >= 0 && o.QueueLength >= 0 && o.RequestTimeout > TimeSpan.Zero && o.DrainTimeout >= TimeSpan.Zero,
                "Limits__MaxConcurrentRequests must not be negative (0 turns the limiter off), Limits__QueueLength not negative, Limits__RequestTimeout and Limits__DrainTimeout not negative.")
            .ValidateOnStart();

        var settings = section.Get<OverloadOptions>() ?? new OverloadOptions();
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = settings.DrainTimeout);
        builder.Services.AddRequestTimeouts(options => options.DefaultPolicy = new RequestTimeoutPolicy
        {
            Timeout = settings.RequestTimeout,
            TimeoutStatusCode = StatusCodes.Status503ServiceUnavailable,
            WriteTimeoutResponse = WriteTimeoutAsync,
        });
        return builder;
    }

    /// <summary>The concurrency limiter the global limiter chains in front of the per-caller token buckets.</summary>
    public static PartitionedRateLimiter<HttpContext> ConcurrencyLimiter(OverloadOptions options) =>
        PartitionedRateLimiter.Create<HttpContext, string>(_ => RateLimitPartition.GetConcurrencyLimiter("all", _ => new ConcurrencyLimiterOptions
        {
            PermitLimit = options.MaxConcurrentRequests,
            QueueLimit = options.QueueLength,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        }));

    private static async Task WriteTimeoutAsync(HttpContext http)
    {
        http.Response.Headers.RetryAfter = "5";
        await ProblemJson.WriteAsync(http, new ProblemDetails
        {
            Status = StatusCodes.Status503ServiceUnavailable,
            Detail = "The request took too long and was cancelled; try again shortly.",
        });
    }

    /// <summary>503 for load shedding: the queue is full, nobody is at fault, come back in a second.</summary>
    public static async ValueTask WriteShedAsync(HttpContext http)
    {
        http.Response.Headers.RetryAfter = 1.ToString(CultureInfo.InvariantCulture);
        await ProblemJson.WriteAsync(http, new ProblemDetails
        {
            Status = StatusCodes.Status503ServiceUnavailable,
            Detail = "The API is at capacity; try again in a second.",
        });
    }
}
