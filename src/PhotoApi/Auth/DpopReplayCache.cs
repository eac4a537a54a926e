using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;
using PhotoApi.Data;
using StackExchange.Redis;

namespace PhotoApi.Auth;

/// <summary>
/// What a proof's <c>jti</c> was (RFC 9449 §11.1): new, seen before within its lifetime, not storable right now, or older than
/// what the cache can still vouch for (it forgot proofs of that age to make room: the proof must be made again).
/// </summary>
public enum ReplayCheck
{
    New,
    Replayed,
    Full,
    TooOld,

    /// <summary>The shared store could not be asked: the proof's uniqueness is unknown, so it is not accepted (fail closed).</summary>
    Unavailable,
}

/// <summary>
/// Remembers DPoP proof identifiers until they can no longer be accepted anyway (their <c>iat</c> is out of the window).
/// Several instances behind one load balancer must share one implementation, or a proof refused by one is accepted by another.
/// </summary>
public interface IDpopReplayCache
{
    /// <summary>Records <paramref name="jti"/> of the key <paramref name="thumbprint"/> until <paramref name="expiresUtc"/>, atomically with the check.</summary>
    ValueTask<ReplayCheck> TryUseAsync(string thumbprint, string jti, DateTimeOffset expiresUtc);
}

/// <summary>
/// The default, for one instance: SHA-256 of (key thumbprint, jti) as a struct key, at most
/// <see cref="DpopOptions.ReplayCacheMaxEntries"/> entries. Nearing the bound, it drops expired entries; when live ones still
/// fill it, it forgets the oldest of them and from then on refuses every proof whose window ends no later than the newest
/// one it forgot (<see cref="ReplayCheck.TooOld"/>): under load the accepted proof age narrows from the shipped minute
/// (RFC 9449 §11.1 leaves the window to the server) instead of every new proof being refused, and a forgotten proof can
/// never be replayed. A proof made just now is refused only if the bound holds less than a few seconds of proofs.
/// </summary>
public sealed class InProcessDpopReplayCache : IDpopReplayCache
{
    private readonly ConcurrentDictionary<ProofId, long> _expiries = new();
    private readonly int _maxEntries;
    private readonly int _trimAt;
    private readonly int _trimTo;
    private readonly TimeProvider _time;
    private readonly Lock _trimGate = new();
    private int _count;
    private long _forgottenThrough = long.MinValue;

    public InProcessDpopReplayCache(IOptions<AuthOptions> options, TimeProvider time)
    {
        _maxEntries = options.Value.Dpop.ReplayCacheMaxEntries;
        // Trimming starts below the bound, so the requests that arrive while one thread trims still find room.
        _trimAt = _maxEntries - Math.Max(1, _maxEntries / 16);
        _trimTo = _maxEntries - Math.Max(1, _maxEntries / 4);
        _time = time;
    }

    public int Count => Volatile.Read(ref _count);

    /// <summary>Proofs whose window ends at or before this instant were forgotten to make room (none: <see cref="DateTimeOffset.MinValue"/>).</summary>
    public DateTimeOffset ForgottenThrough => Volatile.Read(ref _forgottenThrough) is var ticks && ticks == long.MinValue
        ? DateTimeOffset.MinValue
        : new DateTimeOffset(ticks, TimeSpan.Zero);

    public ValueTask<ReplayCheck> TryUseAsync(string thumbprint, string jti, DateTimeOffset expiresUtc)
    {
        var id = ProofId.Of(thumbprint, jti);
        var now = _time.GetUtcNow().UtcTicks;
        var forgotten = Volatile.Read(ref _forgottenThrough);
        // Checked first: this proof may be one that was forgotten, so its absence from the cache proves nothing.
        if (expiresUtc.UtcTicks <= forgotten)
        {
            return new(ReplayCheck.TooOld);
        }
        if (_expiries.TryGetValue(id, out var expiry))
        {
            if (expiry > now && expiry > forgotten)
            {
                return new(ReplayCheck.Replayed);
            }
            // Expired or forgotten: a proof with this jti and that window is refused on its iat anyway, so the jti is reusable.
            if (_expiries.TryUpdate(id, expiresUtc.UtcTicks, expiry))
            {
                return new(ForgottenMeanwhile(expiresUtc) ? ReplayCheck.TooOld : ReplayCheck.New);
            }
            return new(ReplayCheck.Replayed);
        }
        if (Volatile.Read(ref _count) >= _trimAt)
        {
            Trim(now);
            // The bound itself is only reached when trimming falls behind the arrivals.
            if (Volatile.Read(ref _count) >= _maxEntries)
            {
                return new(ReplayCheck.Full);
            }
            if (expiresUtc.UtcTicks <= Volatile.Read(ref _forgottenThrough))
            {
                return new(ReplayCheck.TooOld);
            }
        }
        if (!_expiries.TryAdd(id, expiresUtc.UtcTicks))
        {
            return new(ReplayCheck.Replayed);
        }
        Interlocked.Increment(ref _count);
        return new(ForgottenMeanwhile(expiresUtc) ? ReplayCheck.TooOld : ReplayCheck.New);
    }

    // A trimmer raises the mark before it removes entries: if this proof's own entry was removed between our lookup and our
    // write, the mark covers it now, and the proof (perhaps a replay of the removed one) is refused.
    private bool ForgottenMeanwhile(DateTimeOffset expiresUtc) => expiresUtc.UtcTicks <= Volatile.Read(ref _forgottenThrough);

    // Drops expired entries, then (if live ones still fill the cache) forgets the oldest whole seconds of windows down to
    // _trimTo, raising _forgottenThrough before removing them. One trimmer at a time; the others carry on meanwhile.
    private void Trim(long now)
    {
        if (!_trimGate.TryEnter())
        {
            return;
        }
        try
        {
            var forgotten = Volatile.Read(ref _forgottenThrough);
            RemoveThrough(Math.Max(now, forgotten));
            var excess = Volatile.Read(ref _count) - _trimTo;
            if (excess <= 0)
            {
                return;
            }
            var perSecond = new SortedDictionary<long, int>();
            foreach (var (_, expiry) in _expiries)
            {
                var second = expiry / TimeSpan.TicksPerSecond;
                perSecond[second] = perSecond.GetValueOrDefault(second) + 1;
            }
            var through = forgotten;
            var dropped = 0;
            foreach (var (second, entries) in perSecond)
            {
                through = ((second + 1) * TimeSpan.TicksPerSecond) - 1;
                dropped += entries;
                if (dropped >= excess)
                {
                    break;
                }
            }
            Volatile.Write(ref _forgottenThrough, Math.Max(forgotten, through));
            RemoveThrough(Volatile.Read(ref _forgottenThrough));
        }
        finally
        {
            _trimGate.Exit();
        }
    }

    private void RemoveThrough(long ticks)
    {
        foreach (var (id, expiry) in _expiries)
        {
            if (expiry <= ticks && _expiries.TryRemove(new KeyValuePair<ProofId, long>(id, expiry)))
            {
                Interlocked.Decrement(ref _count);
            }
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct ProofId(ulong A, ulong B, ulong C, ulong D)
    {
        public static ProofId Of(string thumbprint, string jti)
        {
            Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
            Hash(thumbprint, jti, digest);
            return MemoryMarshal.Read<ProofId>(digest);
        }
    }

    /// <summary>SHA-256 of (thumbprint, jti): one client's jti never collides with another's, and the store holds no client input.</summary>
    internal static void Hash(string thumbprint, string jti, Span<byte> digest)
    {
        // Both are short (a 43-character thumbprint, a jti the proof validator limited to 256 characters).
        Span<byte> input = stackalloc byte[Encoding.UTF8.GetMaxByteCount(thumbprint.Length + jti.Length + 1)];
        var written = Encoding.UTF8.GetBytes(thumbprint, input);
        input[written++] = (byte)' ';
        written += Encoding.UTF8.GetBytes(jti, input[written..]);
        SHA256.HashData(input[..written], digest);
    }
}

/// <summary>
/// The shared store for several instances on one database (<c>Auth__Dpop__ReplayCache=PostgreSql</c>): one INSERT per proof,
/// atomic across instances by the primary key. Expired rows are deleted by every 1024th insert.
/// </summary>
public sealed class PostgresDpopReplayCache(NpgsqlDataSource database, TimeProvider time) : IDpopReplayCache
{
    private int _inserts;

    public async ValueTask<ReplayCheck> TryUseAsync(string thumbprint, string jti, DateTimeOffset expiresUtc)
    {
        var id = new byte[SHA256.HashSizeInBytes];
        InProcessDpopReplayCache.Hash(thumbprint, jti, id);
        var now = time.GetUtcNow();
        await using var connection = await database.OpenConnectionAsync();
        if (Interlocked.Increment(ref _inserts) % 1024 == 0)
        {
            const string purge = "DELETE FROM dpop_proofs WHERE expires_at <= @now";
            await connection.ExecuteAsync(purge, new { now });
        }
        // A row whose proof can no longer be accepted on its iat is taken over; a live one makes this a replay (0 rows).
        const string sql = """
            INSERT INTO dpop_proofs (id, expires_at) VALUES (@id, @expiresUtc)
            ON CONFLICT (id) DO UPDATE SET expires_at = excluded.expires_at WHERE dpop_proofs.expires_at <= @now
            """;
        return await connection.ExecuteAsync(sql, new { id, expiresUtc, now }) == 1 ? ReplayCheck.New : ReplayCheck.Replayed;
    }
}

/// <summary>
/// The shared store through Redis (<c>Auth__Dpop__ReplayCache=Redis</c>, the default when <c>ConnectionStrings__Redis</c> is
/// set): one SET NX PX per proof, atomic across instances, expiring with the proof's acceptance window. Redis unreachable:
/// <see cref="ReplayCheck.Unavailable"/>, a 503 with Retry-After (fail closed: an unchecked proof could be a replay, RFC 9449 §11.1).
/// </summary>
public sealed class RedisDpopReplayCache(SharedRedis redis, TimeProvider time) : IDpopReplayCache
{
    private static readonly byte[] Prefix = "photoapi:dpop:jti:"u8.ToArray();

    public async ValueTask<ReplayCheck> TryUseAsync(string thumbprint, string jti, DateTimeOffset expiresUtc)
    {
        var key = new byte[Prefix.Length + SHA256.HashSizeInBytes];
        Prefix.CopyTo(key, 0);
        InProcessDpopReplayCache.Hash(thumbprint, jti, key.AsSpan(Prefix.Length));
        // Relative to our clock, as the window is: the proof stops being acceptable at expiresUtc.
        var lifetime = expiresUtc - time.GetUtcNow();
        if (lifetime < TimeSpan.FromSeconds(1))
        {
            lifetime = TimeSpan.FromSeconds(1);
        }
        try
        {
            var isNew = await redis.Connection.GetDatabase().StringSetAsync(key, RedisValue.EmptyString, lifetime, When.NotExists);
            return isNew ? ReplayCheck.New : ReplayCheck.Replayed;
        }
        catch (Exception exception) when (SharedRedis.IsOutage(exception))
        {
            redis.ReportFailure("dpop_replay_cache", exception, "DPoP proofs get 503 until it answers again (fail closed)");
            return ReplayCheck.Unavailable;
        }
    }
}

/// <summary>Which replay cache runs: the configured one, else Redis when <c>ConnectionStrings__Redis</c> is set, else in-process.</summary>
public sealed class ReplayCacheValidation(IOptions<RedisOptions> redis) : IValidateOptions<AuthOptions>
{
    public static DpopReplayCacheKind Effective(IServiceProvider services) =>
        Effective(services.GetRequiredService<IOptions<AuthOptions>>().Value, services.GetRequiredService<IOptions<RedisOptions>>().Value);

    private static DpopReplayCacheKind Effective(AuthOptions auth, RedisOptions redis) =>
        auth.Dpop.ReplayCache ?? (redis.Configured ? DpopReplayCacheKind.Redis : DpopReplayCacheKind.InProcess);

    public ValidateOptionsResult Validate(string? name, AuthOptions options) =>
        options.Dpop.ReplayCache == DpopReplayCacheKind.Redis && !redis.Value.Configured
            ? ValidateOptionsResult.Fail("Auth__Dpop__ReplayCache=Redis needs ConnectionStrings__Redis.")
            : ValidateOptionsResult.Success;
}
