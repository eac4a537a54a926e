using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Options;
using TokenHash = PhotoApi.Auth.ValidatedTokenCache.TokenHash;

namespace PhotoApi.Auth.Introspection;

/// <summary>What introspection decided about a token: the identity it grants, or why it is refused.</summary>
public sealed record IntrospectionDecision(AccessTokenIdentity? Identity, TokenRejection? Rejection)
{
    public static IntrospectionDecision Refused(TokenRejection rejection) => new(null, rejection);
}

/// <summary>
/// Introspection decisions by SHA-256 of the token (the token itself is never kept), bounded in count. Active answers live
/// until <c>min(exp, now + MaxLifetime)</c> (RFC 7662 §4: never past <c>exp</c>), refusals for <c>NegativeLifetime</c>, and
/// failures (issuer unreachable, rate-limited) not at all. One call per token at a time: concurrent requests with the same
/// uncached token wait for the same call (single flight).
/// </summary>
public sealed class IntrospectionCache
{
    private readonly ConcurrentDictionary<TokenHash, Entry> _entries = new();
    private readonly ConcurrentDictionary<TokenHash, Lazy<Task<IntrospectionDecision>>> _inflight = new();
    private readonly IntrospectionCacheOptions _options;
    private readonly TimeProvider _time;
    private readonly Lock _trimGate = new();
    private int _count;

    public IntrospectionCache(IOptions<AuthOptions> options, TimeProvider time)
    {
        _options = options.Value.IntrospectionCache;
        _time = time;
    }

    public int Count => Volatile.Read(ref _count);

    internal bool TryGet(TokenHash hash, [MaybeNullWhen(false)] out IntrospectionDecision decision)
    {
        decision = null;
        if (!_entries.TryGetValue(hash, out var found))
        {
            AuthMetrics.IntrospectionCacheLookups.Add(1, new KeyValuePair<string, object?>("result", "miss"));
            return false;
        }
        if (found.ExpiresUtc <= _time.GetUtcNow().UtcDateTime)
        {
            Remove(hash, found);
            AuthMetrics.IntrospectionCacheLookups.Add(1, new KeyValuePair<string, object?>("result", "miss"));
            return false;
        }
        AuthMetrics.IntrospectionCacheLookups.Add(1, new KeyValuePair<string, object?>("result", "hit"));
        decision = found.Decision;
        return true;
    }

    /// <summary>The cached decision, or the one <paramref name="introspect"/> makes, shared with every concurrent request for the same token.</summary>
    internal Task<IntrospectionDecision> GetOrIntrospectAsync(TokenHash hash, Func<Task<(IntrospectionDecision Decision, bool Cacheable)>> introspect)
    {
        if (TryGet(hash, out var cached))
        {
            return Task.FromResult(cached);
        }
        return _inflight.GetOrAdd(hash, h => new Lazy<Task<IntrospectionDecision>>(() => RunAsync(h, introspect))).Value;
    }

    private async Task<IntrospectionDecision> RunAsync(TokenHash hash, Func<Task<(IntrospectionDecision Decision, bool Cacheable)>> introspect)
    {
        // Never complete inside GetOrAdd: the finally below must remove what GetOrAdd stored.
        await Task.Yield();
        try
        {
            var (decision, cacheable) = await introspect();
            if (cacheable)
            {
                Add(hash, decision);
            }
            return decision;
        }
        finally
        {
            _inflight.TryRemove(hash, out _);
        }
    }

    private void Add(TokenHash hash, IntrospectionDecision decision)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        DateTime expires;
        if (decision.Identity is { } identity)
        {
            // RFC 7662 §4: an answer is not reused past the token's exp (no exp: the configured lifetime only).
            var cap = now + _options.MaxLifetime;
            expires = identity.ExpiresUtc > DateTime.MinValue && identity.ExpiresUtc < cap ? identity.ExpiresUtc : cap;
        }
        else
        {
            expires = now + _options.NegativeLifetime;
        }
        if (expires <= now)
        {
            return;
        }
        var entry = new Entry(decision, expires);
        if (!_entries.TryAdd(hash, entry))
        {
            _entries[hash] = entry;
            return;
        }
        if (Interlocked.Increment(ref _count) > _options.MaxEntries)
        {
            Trim();
        }
    }

    private void Remove(TokenHash hash, Entry entry)
    {
        if (_entries.TryRemove(new KeyValuePair<TokenHash, Entry>(hash, entry)))
        {
            Interlocked.Decrement(ref _count);
        }
    }

    // Drops expired entries, then arbitrary ones until a quarter of the budget is free; one trimmer at a time.
    private void Trim()
    {
        if (!_trimGate.TryEnter())
        {
            return;
        }
        try
        {
            var now = _time.GetUtcNow().UtcDateTime;
            foreach (var (hash, entry) in _entries)
            {
                if (entry.ExpiresUtc <= now)
                {
                    Remove(hash, entry);
                }
            }
            var target = _options.MaxEntries * 3 / 4;
            foreach (var (hash, entry) in _entries)
            {
                if (Volatile.Read(ref _count) <= target)
                {
                    break;
                }
                Remove(hash, entry);
            }
        }
        finally
        {
            _trimGate.Exit();
        }
    }

    private sealed record Entry(IntrospectionDecision Decision, DateTime ExpiresUtc);
}
