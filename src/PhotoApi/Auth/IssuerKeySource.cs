using System.Collections.Concurrent;
using System.Collections.Frozen;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using PhotoApi.Jose;

namespace PhotoApi.Auth;

/// <summary>What one issuer published at one moment: its issuer identifier, the keys PhotoApi verifies with, and how.</summary>
public sealed class IssuerKeys
{
    private readonly FrozenDictionary<string, TrustedKey[]> _byId;
    private readonly FrozenSet<string> _thumbprints;

    internal IssuerKeys(string issuer, IReadOnlyList<TrustedKey> keys, Func<IssuerKeys, TokenValidationParameters> parameters, DateTimeOffset fetchedAt, string? introspectionEndpoint = null)
    {
        IntrospectionEndpoint = introspectionEndpoint;
        Issuer = issuer;
        Keys = keys;
        FetchedAt = fetchedAt;
        _byId = keys.Where(k => !string.IsNullOrEmpty(k.Key.Kid)).GroupBy(k => k.Key.Kid, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
        _thumbprints = keys.Select(k => k.Thumbprint).ToFrozenSet(StringComparer.Ordinal);
        Parameters = parameters(this);
    }

    /// <summary>The exact <c>issuer</c> of the discovery document; tokens must carry exactly this <c>iss</c>.</summary>
    public string Issuer { get; }

    /// <summary>The usable keys; empty when the issuer published none (then no token is accepted: fail closed).</summary>
    public IReadOnlyList<TrustedKey> Keys { get; }

    public TokenValidationParameters Parameters { get; }

    /// <summary>When this set was fetched; it is trusted for at most <see cref="AuthOptions.KeyMaxAge"/> after that.</summary>
    public DateTimeOffset FetchedAt { get; }

    /// <summary>The discovery document's <c>introspection_endpoint</c> (RFC 8414 §2), if it names one.</summary>
    public string? IntrospectionEndpoint { get; }

    public bool HasKeyId(string keyId) => _byId.ContainsKey(keyId);

    /// <summary>Whether exactly this key material (by RFC 7638 thumbprint) is still published.</summary>
    public bool Publishes(string thumbprint) => _thumbprints.Contains(thumbprint);

    /// <summary>The keys that may verify a token with this <c>kid</c> (any, when it has none) and this algorithm.</summary>
    public IEnumerable<TrustedKey> Candidates(string? keyId, string algorithm) =>
        (string.IsNullOrEmpty(keyId) ? Keys : _byId.GetValueOrDefault(keyId) ?? []).Where(k => k.Algorithms.Contains(algorithm));

    /// <summary>The trusted key behind the <see cref="SecurityKey"/> IdentityModel verified with.</summary>
    public TrustedKey? Find(SecurityKey? key) => Keys.FirstOrDefault(k => ReferenceEquals(k.Key, key));
}

/// <summary>
/// Fetches and caches one issuer's discovery document and JWKS. Scheduled fetches (<see cref="IssuerKeysRefresher"/>: start-up
/// warm-up, then every <see cref="AuthOptions.KeyRefreshInterval"/>) never use up the on-demand allowance. On-demand fetches
/// (a token with an unknown <c>kid</c>, or without <c>kid</c> and no key verifying it) are waited for, so a rotated key works on
/// first sight; each <c>kid</c> is looked up at most once per <see cref="AuthOptions.KeyRefreshMinInterval"/>, and all on-demand
/// fetches together at most once per <see cref="AuthOptions.KeyRefreshGlobalMinInterval"/>, so junk <c>kid</c>s can delay a
/// genuine rotation by that much at most. One fetch at a time, each bounded by <see cref="AuthOptions.MetadataTimeout"/>.
/// Hand-written around IdentityModel's retriever because its ConfigurationManager refreshes in the background after
/// RequestRefresh (the first request with a new key would fail); parsing stays IdentityModel's.
/// </summary>
public sealed class IssuerKeySource
{
    public const string HttpClientName = "issuer-metadata";
    private const string NoKeyId = "";
    private const int MaxRememberedKeyIds = 1024;

    private readonly TrustedIssuer _issuer;
    private readonly HttpClient _http;
    private readonly AuthOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lookedUp = new(StringComparer.Ordinal);
    private Task<IssuerKeys?>? _inflight;
    private DateTimeOffset _lastOnDemand = DateTimeOffset.MinValue;
    private volatile IssuerKeys? _current;
    private int _expiredLogged;

    internal IssuerKeySource(TrustedIssuer issuer, HttpClient http, AuthOptions options, TimeProvider time, ILogger logger)
    {
        _issuer = issuer;
        _http = http;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>The keys last fetched successfully, or null when none were fetched yet or they are older than <see cref="AuthOptions.KeyMaxAge"/>.</summary>
    public IssuerKeys? Current
    {
        get
        {
            var current = _current;
            if (current is null || _time.GetUtcNow() - current.FetchedAt <= _options.KeyMaxAge)
            {
                return current;
            }
            if (Interlocked.Exchange(ref _expiredLogged, 1) == 0)
            {
                _logger.LogError("Signing keys of {Issuer} are older than Auth__KeyMaxAge ({MaxAge}) and the issuer cannot be reached: tokens get 503 until a fetch succeeds.",
                    _issuer.Issuer, _options.KeyMaxAge);
            }
            return null;
        }
    }

    /// <summary>The current keys, or an on-demand fetch when there are none (yet, or any more).</summary>
    public ValueTask<IssuerKeys?> GetAsync() =>
        Current is { } current ? new ValueTask<IssuerKeys?>(current) : new ValueTask<IssuerKeys?>(Start(onDemandFor: NoKeyId, perKeyLimit: false));

    /// <summary>
    /// On demand, for a token whose <c>kid</c> is not published (or, with null, a token without <c>kid</c> no key verifies):
    /// fetches now unless a fetch is running (then waits for it), this <c>kid</c> was looked up within
    /// <see cref="AuthOptions.KeyRefreshMinInterval"/>, or any on-demand fetch ran within <see cref="AuthOptions.KeyRefreshGlobalMinInterval"/>.
    /// </summary>
    public Task<IssuerKeys?> RefreshForUnknownKeyAsync(string? keyId) => Start(onDemandFor: keyId ?? NoKeyId, perKeyLimit: true);

    /// <summary>Scheduled and warm-up fetches: they do not use up the on-demand allowance.</summary>
    internal Task<IssuerKeys?> RefreshScheduledAsync() => Start(onDemandFor: null, perKeyLimit: false);

    private Task<IssuerKeys?> Start(string? onDemandFor, bool perKeyLimit)
    {
        lock (_gate)
        {
            if (_inflight is { } running)
            {
                return running;
            }
            if (onDemandFor is not null)
            {
                var now = _time.GetUtcNow();
                if ((perKeyLimit && _lookedUp.TryGetValue(onDemandFor, out var last) && now - last < _options.KeyRefreshMinInterval)
                    || now - _lastOnDemand < _options.KeyRefreshGlobalMinInterval)
                {
                    return Task.FromResult(Current);
                }
                _lastOnDemand = now;
                if (perKeyLimit)
                {
                    Remember(onDemandFor, now);
                }
            }
            return _inflight = FetchAsync(perKeyLimit ? onDemandFor : null);
        }
    }

    // Bounded: junk kids cannot grow this beyond MaxRememberedKeyIds; forgetting one only allows one more (globally capped) fetch.
    private void Remember(string keyId, DateTimeOffset now)
    {
        if (_lookedUp.Count >= MaxRememberedKeyIds)
        {
            foreach (var (id, at) in _lookedUp)
            {
                if (now - at >= _options.KeyRefreshMinInterval)
                {
                    _lookedUp.TryRemove(id, out _);
                }
            }
            if (_lookedUp.Count >= MaxRememberedKeyIds)
            {
                _lookedUp.Clear();
            }
        }
        _lookedUp[keyId] = now;
    }

    /// <param name="lookedUpKeyId">The kid this on-demand fetch is for: forgotten again if the fetch fails, since it was not really looked up.</param>
    private async Task<IssuerKeys?> FetchAsync(string? lookedUpKeyId)
    {
        // Never run synchronously inside Start's lock: the finally below must clear the task Start stored.
        await Task.Yield();
        try
        {
            using var timeout = new CancellationTokenSource(_options.MetadataTimeout);
            var retriever = new HttpDocumentRetriever(_http) { RequireHttps = _options.RequireHttpsMetadata };
            var document = await OpenIdConnectConfigurationRetriever.GetAsync(_issuer.MetadataAddress, retriever, timeout.Token);

            // OpenID Connect Discovery §4.3 / RFC 8414 §3.3: the document must name the issuer we asked about.
            if (string.IsNullOrEmpty(document.Issuer) || TrustedIssuer.Normalize(document.Issuer) != TrustedIssuer.Normalize(_issuer.Issuer))
            {
                throw new InvalidOperationException($"The discovery document at {_issuer.MetadataAddress} names a different issuer.");
            }
            if (document.JsonWebKeySet is null)
            {
                throw new InvalidOperationException($"The discovery document at {_issuer.MetadataAddress} names no JWKS.");
            }

            var keys = new List<TrustedKey>();
            foreach (var jwk in document.JsonWebKeySet.Keys)
            {
                if (TrustedKey.TryCreate(jwk, _options.ValidAlgorithms, out var key) is { } reason)
                {
                    _logger.LogWarning("Signing key {KeyId} of {Issuer} is not used: {Reason}.", jwk.Kid, _issuer.Issuer, reason);
                    continue;
                }
                keys.Add(key!);
            }

            var fetched = new IssuerKeys(document.Issuer, keys, k => CreateParameters(document.Issuer, k), _time.GetUtcNow(), document.IntrospectionEndpoint);
            var previous = _current;
            _current = fetched;
            Volatile.Write(ref _expiredLogged, 0);
            AuthMetrics.KeyFetches.Add(1, new KeyValuePair<string, object?>("issuer", _issuer.Issuer), new KeyValuePair<string, object?>("outcome", "success"));
            if (keys.Count == 0)
            {
                // Fetched successfully and nothing usable: the issuer withdrew every key. Trust none rather than the old ones.
                _logger.LogError("The JWKS of {Issuer} has no usable signing keys: no token from it is accepted until it publishes one.", _issuer.Issuer);
            }
            else if (previous is null || !previous.Keys.Select(k => k.Thumbprint).Order().SequenceEqual(keys.Select(k => k.Thumbprint).Order()))
            {
                _logger.LogInformation("Signing keys of {Issuer}: {KeyIds}", _issuer.Issuer, string.Join(", ", keys.Select(k => k.Key.Kid)));
            }
            return fetched;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException or InvalidOperationException or ArgumentException or System.Text.Json.JsonException)
        {
            if (lookedUpKeyId is not null)
            {
                _lookedUp.TryRemove(lookedUpKeyId, out _);
            }
            var reason = e is OperationCanceledException ? "timed out" : e.Message;
            AuthMetrics.KeyFetches.Add(1, new KeyValuePair<string, object?>("issuer", _issuer.Issuer), new KeyValuePair<string, object?>("outcome", "failure"));
            _logger.LogWarning("Could not fetch signing keys of {Issuer} from {MetadataAddress}: {Reason}. Keeping {KeyCount} cached key(s).",
                _issuer.Issuer, _issuer.MetadataAddress, reason, _current?.Keys.Count ?? 0);
            return Current;
        }
        finally
        {
            lock (_gate)
            {
                _inflight = null;
            }
        }
    }

    private TokenValidationParameters CreateParameters(string issuer, IssuerKeys keys) => new()
    {
        ValidIssuer = issuer,
        ValidateIssuer = true,
        // Audiences are checked by AccessTokenValidator (exact match; configured audiences and the RFC 9728 resource identifier).
        ValidateAudience = false,
        // RFC 8725 §3.1: only keys whose kid, type, curve and alg fit the token's alg are tried, never all keys.
        IssuerSigningKeyResolver = (_, token, keyId, _) => keys.Candidates(keyId, ((Microsoft.IdentityModel.JsonWebTokens.JsonWebToken)token).Alg).Select(k => (SecurityKey)k.Key),
        TryAllIssuerSigningKeys = false,
        RequireSignedTokens = true,
        RequireExpirationTime = true,
        ValidateLifetime = true,
        ClockSkew = _options.ClockSkew,
        ValidAlgorithms = _options.ValidAlgorithms,
        // typ is checked by AccessTokenValidator (RFC 8725 §3.11: media types compare case-insensitively, "application/" optional).
        NameClaimType = "sub",
        RoleClaimType = "roles",
    };
}
