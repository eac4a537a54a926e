using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using PhotoApi.Data;
using PhotoApi.Http;
using RedisRateLimiting;

namespace PhotoApi.Traffic;

/// <summary>
/// One caller's token bucket kept in Redis (RedisRateLimiting's Lua token bucket), so every instance behind the load
/// balancer draws from the same budget. Redis unreachable or too slow: fail open to an in-process bucket of the same size
/// (each instance then limits the caller by itself, as without Redis), with a warning at most every 30 s and
/// <c>photoapi.redis.failures{use=rate_limit}</c>. Availability wins over exact limits here; the DPoP replay cache,
/// where a miss would be a security hole, fails closed instead.
/// </summary>
public sealed class SharedTokenBucket : RateLimiter
{
    private static readonly RateLimitLease Pending = new Lease(false, null);
    private static readonly RateLimitLease Granted = new Lease(true, null);

    private readonly RedisTokenBucketRateLimiter<string> _shared;
    private readonly TokenBucketRateLimiter _local;
    private readonly SharedRedis _redis;

    /// <param name="kind">What is counted (caller, anonymous, address): buckets of different kinds never share a key.</param>
    public SharedTokenBucket(SharedRedis redis, string kind, string key, int permits, TimeSpan window)
    {
        _redis = redis;
        // The key names the limit too: instances configured differently (a rolling change) do not drain each other's buckets,
        // and the caller's identity is hashed (no subject or address is stored in Redis).
        var digest = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)).AsSpan(0, 16));
        _shared = new RedisTokenBucketRateLimiter<string>($"photoapi:{kind}:{permits}:{(long)window.TotalMilliseconds}:{digest}", new RedisTokenBucketRateLimiterOptions
        {
            ConnectionMultiplexerFactory = () => redis.Connection,
            TokenLimit = permits,
            TokensPerPeriod = permits,
            ReplenishmentPeriod = window,
        });
        _local = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = permits,
            TokensPerPeriod = permits,
            ReplenishmentPeriod = window,
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }

    public override TimeSpan? IdleDuration => _local.IdleDuration is null ? null : _shared.IdleDuration;

    public override RateLimiterStatistics? GetStatistics() => _local.GetStatistics();

    // Redis cannot answer synchronously: "not now" makes ASP.NET's middleware (and ours) ask AcquireAsync.
    protected override RateLimitLease AttemptAcquireCore(int permitCount) => Pending;

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        try
        {
            using var lease = await _shared.AcquireAsync(permitCount, cancellationToken);
            if (lease.IsAcquired)
            {
                return Granted;
            }
            var seconds = lease.TryGetMetadata(RateLimitMetadataName.RetryAfter, out var retryAfter) ? Math.Max(1, retryAfter) : 1;
            return new Lease(false, TimeSpan.FromSeconds(seconds));
        }
        catch (Exception exception) when (SharedRedis.IsOutage(exception))
        {
            _redis.ReportFailure("rate_limit", exception, "rate limits are counted by each instance alone until it answers again (fail open to the in-process limiter)");
            return _local.AttemptAcquire(permitCount);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _shared.Dispose();
            _local.Dispose();
        }
        base.Dispose(disposing);
    }

    /// <summary>A refusal carries <see cref="MetadataName.RetryAfter"/> as the in-process buckets do (what tells it from load shedding).</summary>
    private sealed class Lease(bool acquired, TimeSpan? retryAfter) : RateLimitLease
    {
        public override bool IsAcquired => acquired;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = retryAfter;
            return retryAfter is not null && metadataName == MetadataName.RetryAfter.Name;
        }
    }
}
