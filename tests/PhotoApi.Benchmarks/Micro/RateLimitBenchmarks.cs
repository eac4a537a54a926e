using System.Threading.RateLimiting;
using Microsoft.Extensions.Logging.Abstractions;
using PhotoApi.Data;
using PhotoApi.Http;
using PhotoApi.Traffic;

namespace PhotoApi.Benchmarks.Micro;

/// <summary>
/// One per-caller rate-limit check, as the API makes it per request: in process (a token bucket in a dictionary) and in
/// Redis (<see cref="SharedTokenBucket"/>: one EVALSHA round trip to a real redis-server on loopback, PHOTOAPI_BENCH_REDIS,
/// started by scripts/bench.sh). Same partitioned limiter, same bucket size, one caller; in the same run for the ratio.
/// </summary>
[MemoryDiagnoser]
public class RateLimitBenchmarks
{
    private const string Caller = "user|https://issuer.example|0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private PartitionedRateLimiter<string> _inProcess = null!;
    private PartitionedRateLimiter<string> _redis = null!;
    private SharedRedis _connection = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var configuration = Environment.GetEnvironmentVariable("PHOTOAPI_BENCH_REDIS") ?? "127.0.0.1:54333";
        _connection = new SharedRedis(Options.Create(new RedisOptions { ConnectionString = configuration }), NullLogger<SharedRedis>.Instance, TimeProvider.System);
        // A budget no run uses up: every call is a granted permit, the common case.
        _inProcess = PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = int.MaxValue,
            TokensPerPeriod = int.MaxValue,
            ReplenishmentPeriod = Window,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
        _redis = PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.Get(key, k => new SharedTokenBucket(_connection, "bench", k, int.MaxValue, Window)));
        using var lease = await _redis.AcquireAsync(Caller);
        if (!lease.IsAcquired || !_connection.Connection.IsConnected)
        {
            throw new InvalidOperationException($"Redis at {configuration} did not grant a permit; is it running (scripts/redis.sh)?");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _inProcess.Dispose();
        _redis.Dispose();
        _connection.Dispose();
    }

    [Benchmark(Baseline = true, Description = "In process (token bucket)")]
    public bool InProcess()
    {
        using var lease = _inProcess.AttemptAcquire(Caller);
        return lease.IsAcquired;
    }

    [Benchmark(Description = "Redis (RedisRateLimiting token bucket, loopback)")]
    public async Task<bool> Redis()
    {
        using var lease = await _redis.AcquireAsync(Caller);
        return lease.IsAcquired;
    }
}
