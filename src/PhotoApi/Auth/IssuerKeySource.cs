using System.Collections.Frozen;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace PhotoApi.Auth;

/// <summary>What one issuer published at one moment: its issuer identifier, its signing keys, and how to validate with them.</summary>
public sealed class IssuerKeys
{
    internal IssuerKeys(string issuer, IReadOnlyList<SecurityKey> keys, TokenValidationParameters parameters, DateTimeOffset fetchedAt)
    {
        Issuer = issuer;
        Keys = keys;
        Parameters = parameters;
        FetchedAt = fetchedAt;
        KeysById = keys.Where(k => !string.IsNullOrEmpty(k.KeyId))
            .DistinctBy(k => k.KeyId)
            .ToFrozenDictionary(k => k.KeyId, StringComparer.Ordinal);
    }

    /// <summary>The exact <c>issuer</c> of the discovery document; tokens must carry exactly this <c>iss</c>.</summary>
    public string Issuer { get; }

    public IReadOnlyList<SecurityKey> Keys { get; }

    public FrozenDictionary<string, SecurityKey> KeysById { get; }

    public TokenValidationParameters Parameters { get; }

    public DateTimeOffset FetchedAt { get; }

    /// <summary>Whether the key that signed a token is still published (by <c>kid</c>, or by identity when there is none).</summary>
    public bool Publishes(string? keyId, SecurityKey? key) =>
        !string.IsNullOrEmpty(keyId) ? KeysById.ContainsKey(keyId) : key is not null && Keys.Contains(key);
}

/// <summary>
/// Fetches and caches one issuer's discovery document and JWKS: periodically (driven by <see cref="IssuerKeysRefresher"/>), at once on an unknown
/// <c>kid</c> (the request that meets a rotated key waits for the fetch and succeeds), never more than once per
/// <see cref="AuthOptions.KeyRefreshMinInterval"/> on demand, one fetch at a time, each bounded by <see cref="AuthOptions.MetadataTimeout"/>.
/// Hand-written around IdentityModel's retriever because IdentityModel's ConfigurationManager refreshes in the background
/// after RequestRefresh, so the first request signed with a new key would still fail; parsing stays IdentityModel's.
/// </summary>
public sealed class IssuerKeySource
{
    public const string HttpClientName = "issuer-metadata";

    private readonly TrustedIssuer _issuer;
    private readonly HttpClient _http;
    private readonly AuthOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private Task<IssuerKeys?>? _inflight;
    private DateTimeOffset _lastAttempt = DateTimeOffset.MinValue;
    private volatile IssuerKeys? _current;

    internal IssuerKeySource(TrustedIssuer issuer, HttpClient http, AuthOptions options, TimeProvider time, ILogger logger)
    {
        _issuer = issuer;
        _http = http;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>The keys last fetched successfully, or null when none could be fetched yet.</summary>
    public IssuerKeys? Current => _current;

    /// <summary>The current keys, or a (rate-limited) fetch when there are none yet. <see cref="IssuerKeysRefresher"/> keeps them fresh.</summary>
    public ValueTask<IssuerKeys?> GetAsync() =>
        _current is { } current ? new ValueTask<IssuerKeys?>(current) : new ValueTask<IssuerKeys?>(RefreshAsync());

    /// <summary>Fetches now unless a fetch is running (then waits for it) or one ran within the minimum interval (then returns the current keys).</summary>
    public Task<IssuerKeys?> RefreshAsync() => Start(respectMinInterval: true);

    /// <summary>Start-up and readiness retries: not limited by the minimum interval (only one caller, with its own backoff).</summary>
    internal Task<IssuerKeys?> WarmUpAsync() => Start(respectMinInterval: false);

    private Task<IssuerKeys?> Start(bool respectMinInterval)
    {
        lock (_gate)
        {
            if (_inflight is { } running)
            {
                return running;
            }
            var now = _time.GetUtcNow();
            if (respectMinInterval && now - _lastAttempt < _options.KeyRefreshMinInterval)
            {
                return Task.FromResult(_current);
            }
            _lastAttempt = now;
            return _inflight = FetchAsync();
        }
    }

    private async Task<IssuerKeys?> FetchAsync()
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

            // Only asymmetric keys can verify our allowed algorithms; a symmetric key in a JWKS is never used.
            var keys = document.SigningKeys.Where(IsAsymmetric).ToArray();
            if (keys.Length == 0)
            {
                throw new InvalidOperationException($"The JWKS of {_issuer.Issuer} has no usable signing keys.");
            }

            var fetched = new IssuerKeys(document.Issuer, keys, CreateParameters(document.Issuer, keys), _time.GetUtcNow());
            var previous = _current;
            _current = fetched;
            AuthMetrics.KeyFetches.Add(1, new KeyValuePair<string, object?>("issuer", _issuer.Issuer), new KeyValuePair<string, object?>("outcome", "success"));
            if (previous is null || !previous.KeysById.Keys.Order().SequenceEqual(fetched.KeysById.Keys.Order()))
            {
                _logger.LogInformation("Signing keys of {Issuer}: {KeyIds}", _issuer.Issuer, string.Join(", ", fetched.KeysById.Keys));
            }
            return fetched;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException or InvalidOperationException or ArgumentException or System.Text.Json.JsonException)
        {
            var reason = e is OperationCanceledException ? "timed out" : e.Message;
            AuthMetrics.KeyFetches.Add(1, new KeyValuePair<string, object?>("issuer", _issuer.Issuer), new KeyValuePair<string, object?>("outcome", "failure"));
            _logger.LogWarning("Could not fetch signing keys of {Issuer} from {MetadataAddress}: {Reason}. Keeping {KeyCount} cached key(s).",
                _issuer.Issuer, _issuer.MetadataAddress, reason, _current?.Keys.Count ?? 0);
            return _current;
        }
        finally
        {
            lock (_gate)
            {
                _inflight = null;
            }
        }
    }

    private TokenValidationParameters CreateParameters(string issuer, IReadOnlyList<SecurityKey> keys) => new()
    {
        ValidIssuer = issuer,
        ValidateIssuer = true,
        ValidAudience = _issuer.Audience,
        ValidateAudience = _issuer.Profile.Audience == AudienceSource.Aud,
        IssuerSigningKeys = keys,
        TryAllIssuerSigningKeys = true,
        RequireSignedTokens = true,
        RequireExpirationTime = true,
        ValidateLifetime = true,
        ClockSkew = _options.ClockSkew,
        ValidAlgorithms = _options.ValidAlgorithms,
        // RFC 9068 §4: "at+jwt"; "application/at+jwt" is the same media type written in full.
        ValidTypes = _options.RequireAccessTokenType ? ["at+jwt", "application/at+jwt"] : null,
        NameClaimType = "sub",
        RoleClaimType = "roles",
    };

    private static bool IsAsymmetric(SecurityKey key) => key switch
    {
        AsymmetricSecurityKey => true,
        JsonWebKey jwk => jwk.Kty is JsonWebAlgorithmsKeyTypes.RSA or JsonWebAlgorithmsKeyTypes.EllipticCurve,
        _ => false,
    };
}
