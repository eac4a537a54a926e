using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using PhotoApi.Auth;

namespace PhotoApi.Http;

/// <summary>The <c>RateLimits__*</c> settings: token buckets per user (or per client for app tokens), and per IP for anonymous calls.</summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimits";

    public bool Enabled { get; set; } = true;

    /// <summary>Requests per <see cref="Window"/> for one user or one app client.</summary>
    public int PermitsPerWindow { get; set; } = 600;

    /// <summary>Requests per <see cref="Window"/> for one IP address without a valid token.</summary>
    public int AnonymousPermitsPerWindow { get; set; } = 60;

    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>
/// ASP.NET Core's built-in rate limiter, partitioned by who is calling: the token's (issuer, subject) or, for an app
/// token, (issuer, client); anonymous and unauthenticated calls by remote IP. Over the limit: 429 with Retry-After.
/// </summary>
public static class RateLimits
{
    public static IHostApplicationBuilder AddPhotoApiRateLimits(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RateLimitOptions>()
            .Bind(builder.Configuration.GetSection(RateLimitOptions.Section))
            .Validate(o => o.PermitsPerWindow > 0 && o.AnonymousPermitsPerWindow > 0 && o.Window > TimeSpan.Zero,
                "RateLimits__PermitsPerWindow and RateLimits__AnonymousPermitsPerWindow must be positive, RateLimits__Window longer than zero.")
            .ValidateOnStart();

        builder.Services.AddRateLimiter(_ => { });
        builder.Services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitOptions>, IOptions<OverloadOptions>>((options, limits, overload) =>
        {
            var settings = limits.Value;
            // First the shared capacity (queue or shed), then the caller's own budget.
            var perCaller = PartitionedRateLimiter.Create<HttpContext, string>(http => Partition(http, settings));
            options.GlobalLimiter = overload.Value.MaxConcurrentRequests > 0
                ? PartitionedRateLimiter.CreateChained(Overload.ConcurrencyLimiter(overload.Value), perCaller)
                : perCaller;
            options.OnRejected = OnRejectedAsync;
        });
        return builder;
    }

    private static RateLimitPartition<string> Partition(HttpContext http, RateLimitOptions settings)
    {
        // Endpoints orchestrators poll (health) opt out with DisableRateLimiting(), which the middleware honours itself.
        if (!settings.Enabled)
        {
            return RateLimitPartition.GetNoLimiter("unlimited");
        }
        var (key, permits) = http.User.Identity is AccessTokenIdentity { IsAuthenticated: true } token
            ? (token.CallerKey, settings.PermitsPerWindow)
            : ($"ip|{http.Connection.RemoteIpAddress ?? IPAddress.None}", settings.AnonymousPermitsPerWindow);

        return RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = permits,
            TokensPerPeriod = permits,
            ReplenishmentPeriod = settings.Window,
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }

    private static async ValueTask OnRejectedAsync(OnRejectedContext context, CancellationToken cancellationToken)
    {
        var http = context.HttpContext;
        // Only the token buckets say when to come back; a refusal without RetryAfter is the concurrency limiter shedding load.
        if (!context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
        {
            await Overload.WriteShedAsync(http);
            return;
        }
        http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        await ProblemJson.WriteAsync(http, new ProblemDetails
        {
            Status = StatusCodes.Status429TooManyRequests,
            Detail = "Too many requests from this caller; wait for the time in Retry-After and try again.",
        });
    }
}
