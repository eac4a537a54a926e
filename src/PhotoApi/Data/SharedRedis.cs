using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace PhotoApi.Data;

/// <summary>
/// <c>ConnectionStrings__Redis</c>: a StackExchange.Redis configuration string (e.g. <c>127.0.0.1:6379</c>). Unset: one
/// instance needs nothing but PostgreSQL; set: several instances share rate limits and the DPoP replay cache through it.
/// </summary>
public sealed class RedisOptions
{
    public string? ConnectionString { get; set; }

    public bool Configured => !string.IsNullOrWhiteSpace(ConnectionString);
}

public sealed class RedisOptionsValidation : IValidateOptions<RedisOptions>
{
    public ValidateOptionsResult Validate(string? name, RedisOptions options)
    {
        if (!options.Configured)
        {
            return ValidateOptionsResult.Success;
        }
        try
        {
            ConfigurationOptions.Parse(options.ConnectionString!);
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentException)
        {
            return ValidateOptionsResult.Fail("ConnectionStrings__Redis is not a valid StackExchange.Redis configuration string (e.g. 127.0.0.1:6379,password=...).");
        }
    }
}

/// <summary>
/// The one Redis connection of the process (StackExchange.Redis multiplexes every caller over it). It starts even when
/// Redis is down and reconnects by itself; while it is down, commands fail at once instead of queueing, so each use can
/// apply its documented fallback without waiting.
/// </summary>
public sealed class SharedRedis : IDisposable
{
    private static readonly Meter Meter = new("PhotoApi");

    /// <summary>Redis commands that failed (Redis unreachable or too slow), tagged with what they were for.</summary>
    public static readonly Counter<long> Failures = Meter.CreateCounter<long>(
        "photoapi.redis.failures", unit: "{command}", description: "Redis commands that failed, by use (rate_limit, dpop_replay_cache).");

    // One warning per use per interval, however many requests hit the outage.
    private static readonly TimeSpan WarningInterval = TimeSpan.FromSeconds(30);

    private readonly Lazy<ConnectionMultiplexer>? _connection;
    private readonly ILogger<SharedRedis> _logger;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, long> _lastWarnings = new(StringComparer.Ordinal);
    private readonly Lock _warningGate = new();

    public SharedRedis(IOptions<RedisOptions> options, ILogger<SharedRedis> logger, TimeProvider time)
    {
        _logger = logger;
        _time = time;
        if (options.Value.Configured)
        {
            var configuration = ConfigurationOptions.Parse(options.Value.ConnectionString!);
            configuration.AbortOnConnectFail = false;
            // Fail fast while disconnected (the default backlog would hold every request until the command timeout).
            configuration.BacklogPolicy = BacklogPolicy.FailFast;
            if (!options.Value.ConnectionString!.Contains("connectTimeout", StringComparison.OrdinalIgnoreCase))
            {
                configuration.ConnectTimeout = 2000;
            }
            if (!options.Value.ConnectionString.Contains("asyncTimeout", StringComparison.OrdinalIgnoreCase))
            {
                // A hung Redis costs a request at most this, then the fallback applies (StackExchange.Redis default: 5 s).
                configuration.AsyncTimeout = 1000;
            }
            _connection = new Lazy<ConnectionMultiplexer>(() => ConnectionMultiplexer.Connect(configuration));
        }
    }

    /// <summary>Whether <c>ConnectionStrings__Redis</c> is set.</summary>
    public bool Configured => _connection is not null;

    /// <summary>The connection (connected on first use); only when <see cref="Configured"/>.</summary>
    public IConnectionMultiplexer Connection => (_connection ?? throw new InvalidOperationException("ConnectionStrings__Redis is not set.")).Value;

    /// <summary>Whether <paramref name="exception"/> means Redis could not answer (as opposed to a bug).</summary>
    public static bool IsOutage(Exception exception) => exception is RedisConnectionException or RedisTimeoutException or TimeoutException;

    /// <summary>Counts a failed command for <paramref name="use"/> and logs a warning at most once per 30 s per use.</summary>
    public void ReportFailure(string use, Exception exception, string consequence)
    {
        Failures.Add(1, new KeyValuePair<string, object?>("use", use));
        var now = _time.GetTimestamp();
        lock (_warningGate)
        {
            if (_lastWarnings.TryGetValue(use, out var last) && _time.GetElapsedTime(last, now) < WarningInterval)
            {
                return;
            }
            _lastWarnings[use] = now;
        }
        _logger.LogWarning("Redis is unavailable for {Use} ({Reason}); {Consequence}. Logged at most every 30 s; the metric photoapi.redis.failures counts every failure.",
            use, exception.GetType().Name, consequence);
    }

    public void Dispose()
    {
        if (_connection is { IsValueCreated: true })
        {
            _connection.Value.Dispose();
        }
    }
}
