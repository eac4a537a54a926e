using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using PhotoApi.Configuration;

using PhotoApi.Http;

namespace PhotoApi.Traffic;

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

    /// <summary>Content uploads and downloads served at the same time, a budget of their own (API calls are not counted in it).</summary>
    public int MaxConcurrentTransfers { get; set; } = 32;

    /// <summary>Content uploads and downloads one user (or app client) may have running at once; more get 429.</summary>
    public int TransfersPerUser { get; set; } = 4;

    /// <summary>Longest time one content upload or download may take.</summary>
    public TimeSpan TransferTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Slowest a content body may go, up or down, once the grace period (5 s) is over; slower clients are cut off.</summary>
    public double MinTransferBytesPerSecond { get; set; } = 1024;

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
        builder.AddSettings<OverloadOptions, OverloadRules>(OverloadOptions.Section);

        // Read from the validated options, never from raw configuration.
        builder.Services.AddOptions<HostOptions>().Configure<IOptions<OverloadOptions>>((host, overload) => host.ShutdownTimeout = overload.Value.DrainTimeout);
        builder.Services.AddRequestTimeouts();
        builder.Services.AddOptions<RequestTimeoutOptions>().Configure<IOptions<OverloadOptions>>((options, overload) =>
        {
            options.DefaultPolicy = new RequestTimeoutPolicy
            {
                Timeout = overload.Value.RequestTimeout,
                TimeoutStatusCode = StatusCodes.Status503ServiceUnavailable,
                WriteTimeoutResponse = WriteTimeoutAsync,
            };
            options.AddPolicy(TransferPolicy, new RequestTimeoutPolicy
            {
                Timeout = overload.Value.TransferTimeout,
                TimeoutStatusCode = StatusCodes.Status503ServiceUnavailable,
                WriteTimeoutResponse = WriteTimeoutAsync,
            });
        });
        return builder;
    }

    /// <summary>The name of the transfer endpoints' rate-limiter and request-timeout policies.</summary>
    public const string TransferPolicy = "transfer";

    /// <summary>
    /// Content endpoints: their own concurrency budget and per-user limit (<see cref="RateLimits"/>), a finite timeout, and
    /// a minimum data rate both ways, so slow clients cannot hold the API's capacity.
    /// </summary>
    public static TBuilder IsTransfer<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.WithMetadata(TransferEndpoint.Instance).RequireRateLimiting(TransferPolicy).WithRequestTimeout(TransferPolicy);
        builder.AddEndpointFilter(static (context, next) =>
        {
            var http = context.HttpContext;
            var rate = http.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<OverloadOptions>>().Value.MinTransferBytesPerSecond;
            var minimum = new Microsoft.AspNetCore.Server.Kestrel.Core.MinDataRate(rate, TimeSpan.FromSeconds(5));
            if (http.Features.Get<Microsoft.AspNetCore.Server.Kestrel.Core.Features.IHttpMinRequestBodyDataRateFeature>() is { } request)
            {
                request.MinDataRate = minimum;
            }
            if (http.Features.Get<Microsoft.AspNetCore.Server.Kestrel.Core.Features.IHttpMinResponseDataRateFeature>() is { } response)
            {
                response.MinDataRate = minimum;
            }
            return next(context);
        });
        return builder;
    }

    /// <summary>The concurrency limiter the global limiter chains in front of the per-caller token buckets.</summary>
    /// <remarks>
    /// Transfers have a budget of their own, without a queue: a slow upload never takes an API call's slot. Always in
    /// process, never in Redis: it protects this instance (its threads, memory, database connections), not a caller's budget.
    /// </remarks>
    public static PartitionedRateLimiter<HttpContext> ConcurrencyLimiter(OverloadOptions options) =>
        PartitionedRateLimiter.Create<HttpContext, string>(http => http.GetEndpoint()?.Metadata.GetMetadata<TransferEndpoint>() is not null
            ? RateLimitPartition.GetConcurrencyLimiter("transfers", _ => new ConcurrencyLimiterOptions
            {
                PermitLimit = options.MaxConcurrentTransfers,
                QueueLimit = 0,
            })
            : RateLimitPartition.GetConcurrencyLimiter("all", _ => new ConcurrencyLimiterOptions
            {
                PermitLimit = options.MaxConcurrentRequests,
                QueueLimit = options.QueueLength,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            }));

    private static Task WriteTimeoutAsync(HttpContext http) =>
        Problems.RetryLaterAsync(http, StatusCodes.Status503ServiceUnavailable, TimeSpan.FromSeconds(5), "The request took too long and was cancelled; try again shortly.");

    /// <summary>503 for load shedding: the queue is full, nobody is at fault, come back in a second.</summary>
    public static Task WriteShedAsync(HttpContext http) =>
        Problems.RetryLaterAsync(http, StatusCodes.Status503ServiceUnavailable, TimeSpan.FromSeconds(1), "The API is at capacity; try again in a second.");
}

/// <summary>Marks a content upload or download endpoint (see <see cref="Overload.IsTransfer"/>).</summary>
public sealed class TransferEndpoint
{
    public static readonly TransferEndpoint Instance = new();

    private TransferEndpoint()
    {
    }
}

internal sealed class OverloadRules : SettingsRules<OverloadOptions>
{
    protected override IEnumerable<string> Broken(OverloadOptions o)
    {
        if (o.MaxConcurrentRequests < 0 || o.QueueLength < 0 || o.RequestTimeout <= TimeSpan.Zero || o.DrainTimeout < TimeSpan.Zero)
        {
            yield return "Limits__MaxConcurrentRequests must not be negative (0 turns the limiter off), Limits__QueueLength not negative, Limits__RequestTimeout and Limits__DrainTimeout not negative.";
        }
        if (o.MaxConcurrentTransfers <= 0 || o.TransfersPerUser <= 0 || o.TransferTimeout <= TimeSpan.Zero || o.MinTransferBytesPerSecond <= 0)
        {
            yield return "Limits__MaxConcurrentTransfers, Limits__TransfersPerUser, Limits__TransferTimeout and Limits__MinTransferBytesPerSecond must be positive.";
        }
    }
}
