using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using PhotoApi.Jose;

namespace PhotoApi.Auth;

/// <summary>A token that passed full validation, the exact key that verified it, and what is needed to tell whether that still holds.</summary>
public sealed record ValidatedToken(AccessTokenIdentity Identity, JsonWebToken Token, TrustedKey SigningKey, int ApproximateBytes)
{
    /// <summary>
    /// What the token handler answers for this token, completed once and shared by every request that presents it (JwtBearer
    /// only reads it), so a cache hit allocates nothing.
    /// </summary>
    public Task<TokenValidationResult> Result { get; } = Task.FromResult(new TokenValidationResult
    {
        IsValid = true,
        ClaimsIdentity = Identity,
        SecurityToken = Token,
        Issuer = Identity.Issuer.Issuer,
    });
}

/// <summary>
/// Validated tokens by SHA-256 of the whole token, so a token presented again costs a hash and a lookup instead of a
/// signature check. Entries live at most <see cref="TokenCacheOptions.MaxLifetime"/> and never past the token's <c>exp</c>, are
/// served only while the exact key material that verified them (RFC 7638 thumbprint) is published, and are bounded in count and bytes. Only successes are stored.
/// A full cache admits a new token only once expired entries make room: a working set larger than the bound then keeps a
/// hit rate of bound / working set, where evicting on every miss kept almost none and churned the heap (docs/performance.md,
/// 20,000 users). Hand-written over a ConcurrentDictionary with a struct key
/// because MemoryCache would box the key (or need a hex string) on every request, and this is the hottest path of the API.
/// </summary>
public sealed class ValidatedTokenCache
{
    private const int StackHashLimit = 8192;

    private readonly ConcurrentDictionary<TokenHash, Entry> _entries = new();
    private readonly TokenCacheOptions _options;
    private readonly TimeProvider _time;
    private readonly Lock _trimGate = new();
    private int _count;
    private long _bytes;
    private long _earliestExpiryTicks;

    public ValidatedTokenCache(IOptions<AuthOptions> options, TimeProvider time)
    {
        _options = options.Value.TokenCache;
        _time = time;
    }

    /// <summary>The cached validation of exactly this token, if it is still valid.</summary>
    public bool TryGet(string token, [MaybeNullWhen(false)] out ValidatedToken entry)
    {
        entry = null;
        if (!_options.Enabled)
        {
            return false;
        }
        var hash = TokenHash.Of(token);
        if (!_entries.TryGetValue(hash, out var found))
        {
            return false;
        }

        // Never past exp or the cap (no clock skew on a cached entry), never once that exact key material is withdrawn or replaced.
        if (found.ExpiresUtc <= _time.GetUtcNow().UtcDateTime
            || found.Token.Identity.Issuer.Keys.Current?.Publishes(found.Token.SigningKey.Thumbprint) != true)
        {
            Remove(hash, found);
            return false;
        }
        entry = found.Token;
        return true;
    }

    public void Add(string token, ValidatedToken validated)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        var expires = validated.Identity.ExpiresUtc < now + _options.MaxLifetime ? validated.Identity.ExpiresUtc : now + _options.MaxLifetime;
        if (!_options.Enabled || expires <= now)
        {
            return;
        }
        if ((Volatile.Read(ref _count) >= _options.MaxEntries || Interlocked.Read(ref _bytes) + validated.ApproximateBytes > _options.MaxBytes)
            && !RemoveExpired(now))
        {
            return;
        }
        var hash = TokenHash.Of(token);
        var entry = new Entry(validated, expires);
        if (_entries.TryAdd(hash, entry))
        {
            var count = Interlocked.Increment(ref _count);
            var bytes = Interlocked.Add(ref _bytes, validated.ApproximateBytes);
            // Several misses may pass the check at once: whoever goes over the bound takes its own entry out again.
            if (count > _options.MaxEntries || bytes > _options.MaxBytes)
            {
                Remove(hash, entry);
            }
            else
            {
                LowerEarliestExpiry(expires.Ticks);
            }
        }
    }

    private void Remove(TokenHash hash, Entry entry)
    {
        if (_entries.TryRemove(new KeyValuePair<TokenHash, Entry>(hash, entry)))
        {
            Interlocked.Decrement(ref _count);
            Interlocked.Add(ref _bytes, -entry.Token.ApproximateBytes);
        }
    }

    private sealed record Entry(ValidatedToken Token, DateTime ExpiresUtc);

    // Drops expired entries, scanning only once the earliest expiry has passed; true when there is room afterwards. One
    // remover at a time; the others are not admitted meanwhile.
    private bool RemoveExpired(DateTime now)
    {
        if (now.Ticks < Interlocked.Read(ref _earliestExpiryTicks) || !_trimGate.TryEnter())
        {
            return false;
        }
        try
        {
            var earliest = long.MaxValue;
            foreach (var (hash, entry) in _entries)
            {
                if (entry.ExpiresUtc <= now)
                {
                    Remove(hash, entry);
                }
                else
                {
                    earliest = Math.Min(earliest, entry.ExpiresUtc.Ticks);
                }
            }
            Interlocked.Exchange(ref _earliestExpiryTicks, earliest);
            return Volatile.Read(ref _count) < _options.MaxEntries && Interlocked.Read(ref _bytes) < _options.MaxBytes;
        }
        finally
        {
            _trimGate.Exit();
        }
    }

    private void LowerEarliestExpiry(long ticks)
    {
        var current = Interlocked.Read(ref _earliestExpiryTicks);
        while (ticks < current)
        {
            var seen = Interlocked.CompareExchange(ref _earliestExpiryTicks, ticks, current);
            if (seen == current)
            {
                return;
            }
            current = seen;
        }
    }

    /// <summary>SHA-256 of the token's UTF-8 bytes, as a value type so lookups do not allocate.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal readonly record struct TokenHash(ulong A, ulong B, ulong C, ulong D)
    {
        public static TokenHash Of(string token)
        {
            var length = Encoding.UTF8.GetByteCount(token);
            byte[]? rented = null;
            var buffer = length <= StackHashLimit ? stackalloc byte[length] : (rented = ArrayPool<byte>.Shared.Rent(length));
            try
            {
                var written = Encoding.UTF8.GetBytes(token, buffer);
                Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
                SHA256.HashData(buffer[..written], digest);
                return MemoryMarshal.Read<TokenHash>(digest);
            }
            finally
            {
                if (rented is not null)
                {
                    ArrayPool<byte>.Shared.Return(rented);
                }
            }
        }
    }
}
