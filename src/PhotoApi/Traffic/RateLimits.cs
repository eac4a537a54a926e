using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using PhotoApi.Auth;
using PhotoApi.Configuration;
using PhotoApi.Data;

using PhotoApi.Http;

namespace PhotoApi.Traffic;

/// <summary>
/// The <c>RateLimits__*</c> settings: a token bucket per client address before authentication, then token buckets per
/// user (or per client for app tokens), and per address for calls without a valid token.
/// </summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimits";

    public bool Enabled { get; set; } = true;

    /// <summary>Requests per <see cref="Window"/> for one user or one app client.</summary>
    public int PermitsPerWindow { get; set; } = 600;

    /// <summary>Requests per <see cref="Window"/> for one IP address without a valid token.</summary>
    public int AnonymousPermitsPerWindow { get; set; } = 60;

    /// <summary>Requests per <see cref="Window"/> for one client address (IPv6: one /64), counted before any token is looked at.</summary>
    public int AddressPermitsPerWindow { get; set; } = 1200;

    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>
/// ASP.NET Core's built-in rate limiter, partitioned by who is calling: the token's (issuer, subject) or, for an app
/// token, (issuer, client); anonymous and unauthenticated calls by remote IP. Over the limit: 429 with Retry-After.
/// With <c>ConnectionStrings__Redis</c> the per-caller, per-anonymous-address and per-address buckets live in Redis
/// (<see cref="SharedTokenBucket"/>), shared by every instance. The overload concurrency limiter and the transfers per
/// caller stay per instance on purpose: they protect this process's threads, memory and connections, not a budget.
/// </summary>
public static class RateLimits
{
    public static IHostApplicationBuilder AddPhotoApiRateLimits(this IHostApplicationBuilder builder)
    {
        builder.AddSettings<RateLimitOptions, RateLimitRules>(RateLimitOptions.Section);

        builder.Services.AddRateLimiter(_ => { });
        builder.Services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitOptions>, IOptions<OverloadOptions>, SharedRedis>((options, limits, overload, redis) =>
        {
            var settings = limits.Value;
            // First this instance's capacity (queue or shed), then the caller's own budget (shared through Redis when configured).
            var perCaller = PartitionedRateLimiter.Create<HttpContext, string>(http => Partition(http, settings, redis));
            options.GlobalLimiter = overload.Value.MaxConcurrentRequests > 0
                ? PartitionedRateLimiter.CreateChained(Overload.ConcurrencyLimiter(overload.Value), perCaller)
                : perCaller;
            options.OnRejected = OnRejectedAsync;
            options.AddPolicy(Overload.TransferPolicy, new TransfersPerCaller(overload.Value.TransfersPerUser));
        });
        builder.Services.AddSingleton<AddressRateLimiter>();
        return builder;
    }

    /// <summary>
    /// The per-address bucket, in front of authentication: a caller over it costs a dictionary lookup, not a token hash,
    /// parse and signature check. Endpoints that opt out of rate limiting (health) opt out of this too.
    /// </summary>
    public static WebApplication UseAddressRateLimit(this WebApplication app)
    {
        var limiter = app.Services.GetRequiredService<AddressRateLimiter>();
        if (limiter.Shared)
        {
            // A Redis round trip per request: asynchronous.
            app.Use(async (context, next) =>
            {
                if (context.GetEndpoint()?.Metadata.GetMetadata<DisableRateLimitingAttribute>() is not null)
                {
                    await next(context);
                    return;
                }
                using var lease = await limiter.Limiter.AcquireAsync(context, cancellationToken: context.RequestAborted);
                await (lease.IsAcquired ? next(context) : WriteTooManyAsync(context, lease));
            });
            return app;
        }
        app.Use((context, next) =>
        {
            if (context.GetEndpoint()?.Metadata.GetMetadata<DisableRateLimitingAttribute>() is not null)
            {
                return next(context);
            }
            using var lease = limiter.Limiter.AttemptAcquire(context);
            return lease.IsAcquired ? next(context) : WriteTooManyAsync(context, lease);
        });
        return app;
    }

    /// <summary>The client address as a rate-limit key: IPv4 per address, IPv6 per /64 (one subscriber's prefix, RFC 6177).</summary>
    public static UInt128 AddressKey(IPAddress? address)
    {
        if (address is null)
        {
            return UInt128.Zero;
        }
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        Span<byte> bytes = stackalloc byte[16];
        if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
        {
            // ::ffff:a.b.c.d, so no IPv4 key equals an IPv6 one.
            address.MapToIPv6().TryWriteBytes(bytes, out _);
            return System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(bytes);
        }
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    private static RateLimitPartition<string> Partition(HttpContext http, RateLimitOptions settings, SharedRedis redis)
    {
        // Endpoints orchestrators poll (health) opt out with DisableRateLimiting(), which the middleware honours itself.
        if (!settings.Enabled)
        {
            return RateLimitPartition.GetNoLimiter("unlimited");
        }
        var (key, permits) = http.User.Identity is AccessTokenIdentity { IsAuthenticated: true } token
            ? (token.CallerKey, settings.PermitsPerWindow)
            : ($"ip|{AddressKey(http.Connection.RemoteIpAddress)}", settings.AnonymousPermitsPerWindow);

        if (redis.Configured)
        {
            return RateLimitPartition.Get(key, k => new SharedTokenBucket(redis, "caller", k, permits, settings.Window));
        }
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
        await WriteTooManyAsync(http, context.Lease);
    }

    private static Task WriteTooManyAsync(HttpContext http, RateLimitLease lease) =>
        Problems.RetryLaterAsync(http, StatusCodes.Status429TooManyRequests,
            lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1),
            "Too many requests from this caller; wait for the time in Retry-After and try again.");
}

/// <summary>
/// How many content transfers one caller may have running at once; one more is 429 with Retry-After. Per instance even with
/// Redis: it bounds this process's open streams, and a caller's transfers end on the instance that started them.
/// </summary>
public sealed class TransfersPerCaller(int permits) : IRateLimiterPolicy<string>
{
    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected { get; } = static async (context, _) =>
        await Problems.RetryLaterAsync(context.HttpContext, StatusCodes.Status429TooManyRequests, TimeSpan.FromSeconds(1),
            "Too many uploads and downloads at once from this caller; finish one and try again.");

    public RateLimitPartition<string> GetPartition(HttpContext httpContext) =>
        RateLimitPartition.GetConcurrencyLimiter(
            httpContext.User.Identity is AccessTokenIdentity { IsAuthenticated: true } token ? token.CallerKey : $"ip|{RateLimits.AddressKey(httpContext.Connection.RemoteIpAddress)}",
            _ => new ConcurrencyLimiterOptions { PermitLimit = permits, QueueLimit = 0 });
}

/// <summary>Token buckets per client address (IPv6 per /64), built once from <see cref="RateLimitOptions"/>; in Redis when it is configured.</summary>
public sealed class AddressRateLimiter(IOptions<RateLimitOptions> options, SharedRedis redis) : IDisposable
{
    /// <summary>The buckets are in Redis: acquire asynchronously.</summary>
    public bool Shared => redis.Configured && options.Value.Enabled;

    public PartitionedRateLimiter<HttpContext> Limiter { get; } = PartitionedRateLimiter.Create<HttpContext, UInt128>(http =>
        !options.Value.Enabled
            ? RateLimitPartition.GetNoLimiter(UInt128.Zero)
            : redis.Configured
            ? RateLimitPartition.Get(RateLimits.AddressKey(http.Connection.RemoteIpAddress), key =>
                new SharedTokenBucket(redis, "address", key.ToString(System.Globalization.CultureInfo.InvariantCulture), options.Value.AddressPermitsPerWindow, options.Value.Window))
            : RateLimitPartition.GetTokenBucketLimiter(RateLimits.AddressKey(http.Connection.RemoteIpAddress), _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = options.Value.AddressPermitsPerWindow,
                TokensPerPeriod = options.Value.AddressPermitsPerWindow,
                ReplenishmentPeriod = options.Value.Window,
                QueueLimit = 0,
                AutoReplenishment = true,
            }));

    public void Dispose() => Limiter.Dispose();
}

internal sealed class RateLimitRules : SettingsRules<RateLimitOptions>
{
    protected override IEnumerable<string> Broken(RateLimitOptions o)
    {
        if (o.PermitsPerWindow <= 0 || o.AnonymousPermitsPerWindow <= 0 || o.AddressPermitsPerWindow <= 0 || o.Window <= TimeSpan.Zero)
        {
            yield return "RateLimits__PermitsPerWindow, RateLimits__AnonymousPermitsPerWindow and RateLimits__AddressPermitsPerWindow must be positive, RateLimits__Window longer than zero.";
        }
    }
}
