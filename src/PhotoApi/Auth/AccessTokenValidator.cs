using System.Collections.Frozen;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace PhotoApi.Auth;

/// <summary>
/// The one token handler JwtBearer uses. It picks the trusted issuer from the token's unverified <c>iss</c> before any key
/// is fetched, serves tokens seen before from <see cref="ValidatedTokenCache"/>, fetches keys on an unknown <c>kid</c>
/// and retries once, and lets IdentityModel's <see cref="JsonWebTokenHandler"/> do every cryptographic and claim check.
/// The <see cref="TokenValidationParameters"/> JwtBearer passes in are ignored: each issuer has its own.
/// </summary>
public sealed class AccessTokenValidator : TokenHandler
{
    private readonly TrustedIssuers _issuers;
    private readonly ValidatedTokenCache _cache;
    private readonly AuthOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<AccessTokenValidator> _logger;
    private readonly JsonWebTokenHandler _handler;
    private readonly FrozenSet<string> _algorithms;
    private readonly Introspection.TokenIntrospector _introspector;

    public AccessTokenValidator(TrustedIssuers issuers, ValidatedTokenCache cache, IOptions<AuthOptions> options, TimeProvider time, ILogger<AccessTokenValidator> logger,
        Introspection.TokenIntrospector introspector)
    {
        _introspector = introspector;
        _issuers = issuers;
        _cache = cache;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _algorithms = _options.ValidAlgorithms.ToFrozenSet(StringComparer.Ordinal);
        _handler = new JsonWebTokenHandler { MapInboundClaims = false, MaximumTokenSizeInBytes = _options.MaxTokenLength };
    }

    public override Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        if (string.IsNullOrEmpty(token))
        {
            return Task.FromResult(Reject(TokenRejection.Malformed));
        }
        if (token.Length > _options.MaxTokenLength)
        {
            return Task.FromResult(Reject(TokenRejection.TooLarge));
        }
        // Not async, and the result task is built once per token: a cache hit allocated 232 B (result + task) before, now 0 B
        // (docs/performance.md, TokenValidation.Cached).
        // RFC 7515 §7.1: a JWS has exactly two dots (a JWE four). Anything else is opaque: introspected where configured, without a parse attempt.
        if (_introspector.IntrospectsOpaqueTokens && !LooksLikeJose(token))
        {
            return _introspector.ValidateOpaqueAsync(token);
        }
        if (_cache.TryGet(token, out var cached))
        {
            AuthMetrics.TokenValidations.Add(1, new KeyValuePair<string, object?>("issuer", cached.Identity.Issuer.Issuer), new KeyValuePair<string, object?>("outcome", "cached"));
            return cached.Result;
        }
        return ValidateAsync(token);
    }

    private async Task<TokenValidationResult> ValidateAsync(string token)
    {
        JsonWebToken jwt;
        string issuerClaim;
        try
        {
            jwt = new JsonWebToken(token);
            if (jwt.IsEncrypted)
            {
                return Reject(TokenRejection.Encrypted);
            }
            issuerClaim = jwt.Issuer;
        }
        catch (Exception e) when (e is ArgumentException or SecurityTokenMalformedException or JsonException or FormatException)
        {
            // Dots, but not a JWS (Google's "ya29.…" tokens): still a token only its issuer can read.
            return _introspector.IntrospectsOpaqueTokens ? await _introspector.ValidateOpaqueAsync(token) : Reject(TokenRejection.Malformed);
        }

        // The allowlist is checked before anything else looks at the signature: "none" and HMAC never get that far.
        if (!_algorithms.Contains(jwt.Alg))
        {
            return Reject(TokenRejection.AlgorithmNotAllowed);
        }

        // Strict JOSE/JWT (crit, b64, JSON types, duplicates, iat in the future): what IdentityModel lets through.
        if (JoseRules.Check(jwt.EncodedHeader, jwt.EncodedPayload, _time.GetUtcNow(), _options.ClockSkew) is { } broken)
        {
            return Reject(broken);
        }

        var issuer = _issuers.Find(issuerClaim);
        if (issuer is null)
        {
            return Reject(TokenRejection.UntrustedIssuer);
        }
        if (issuer.RequireAccessTokenType && !JoseRules.IsAccessTokenType(jwt.Typ))
        {
            return Reject(TokenRejection.WrongType);
        }

        var keys = await issuer.Keys.GetAsync();
        if (keys is null)
        {
            return Reject(TokenRejection.KeysUnavailable);
        }

        // Exact match, not IdentityModel's trailing-slash-tolerant one: the iss must be exactly what discovery says.
        if (!string.Equals(issuerClaim, keys.Issuer, StringComparison.Ordinal))
        {
            return Reject(TokenRejection.UntrustedIssuer);
        }

        var keyId = string.IsNullOrEmpty(jwt.Kid) ? null : jwt.Kid;
        if (keyId is not null && !keys.HasKeyId(keyId))
        {
            // A kid we have not seen: the issuer may have rotated. Fetch (limited per kid and overall) and decide on the result.
            keys = await issuer.Keys.RefreshForUnknownKeyAsync(keyId) ?? keys;
            if (!keys.HasKeyId(keyId))
            {
                return Reject(TokenRejection.UnknownSigningKey);
            }
        }
        if (keyId is not null && !keys.Candidates(keyId, jwt.Alg).Any())
        {
            return Reject(TokenRejection.KeyAlgorithmMismatch);
        }

        var result = await _handler.ValidateTokenAsync(jwt, keys.Parameters);
        if (!result.IsValid && keyId is null && result.Exception is SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException)
        {
            // No kid and no cached key verifies it: the issuer may have rotated. The same limited refresh as for an unknown kid.
            if (await issuer.Keys.RefreshForUnknownKeyAsync(null) is { } refreshed && !ReferenceEquals(refreshed, keys))
            {
                keys = refreshed;
                result = await _handler.ValidateTokenAsync(jwt, keys.Parameters);
            }
        }
        if (!result.IsValid)
        {
            return Reject(keyId is null && result.Exception is SecurityTokenSignatureKeyNotFoundException ? TokenRejection.UnknownSigningKey : TokenRejection.From(result.Exception));
        }
        if (keys.Find(jwt.SigningKey) is not { } signingKey)
        {
            return Reject(TokenRejection.Invalid);
        }
        // RFC 7519 §4.1.3 compares audiences as case-sensitive strings (IdentityModel also accepts a trailing slash, so it does not check them).
        if (issuer.Profile.Audience == AudienceSource.Aud && !jwt.Audiences.Any(issuer.AcceptsAudience))
        {
            return Reject(TokenRejection.WrongAudience);
        }

        var claims = new ClaimReader(result.ClaimsIdentity.Claims.ToList());
        if (issuer.Profile.CheckClaims(jwt, claims, issuer) is { } rejection)
        {
            return Reject(rejection);
        }

        if (TokenConfirmation.Read(jwt, out var confirmation) is { } unbindable)
        {
            return Reject(unbindable);
        }

        var identity = issuer.Profile.CreateIdentity(jwt, claims, issuer, confirmation);
        var validated = new ValidatedToken(identity, jwt, signingKey, ApproximateBytes: (token.Length * 4) + 2048);
        _cache.Add(token, validated);
        AuthMetrics.TokenValidations.Add(1, new KeyValuePair<string, object?>("issuer", issuer.Issuer), new KeyValuePair<string, object?>("outcome", "validated"));
        return await validated.Result;
    }

    private static bool LooksLikeJose(string token)
    {
        var dots = token.AsSpan().Count('.');
        return dots is 2 or 4;
    }

    private TokenValidationResult Reject(TokenRejection rejection)
    {
        _logger.LogDebug("Access token refused: {Reason}", rejection.Code);
        AuthMetrics.TokenRejections.Add(1, new KeyValuePair<string, object?>("reason", rejection.Code));
        return new TokenValidationResult { IsValid = false, Exception = new AccessTokenRejectedException(rejection) };
    }
}
