using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using TokenHash = PhotoApi.Auth.ValidatedTokenCache.TokenHash;

namespace PhotoApi.Auth.Introspection;

/// <summary>
/// Opaque tokens, and JWTs where configured, checked at the issuer (RFC 7662). An opaque token carries no <c>iss</c>, so it is
/// sent only to the issuers configured for opaque tokens (<c>Introspection__OpaqueTokens</c>), in configuration order, until
/// one says it is active; a JWT only ever goes to its own issuer. An active answer is read exactly like a JWT's claims: the
/// same JOSE claim-type rules, audience, provider profile (grant vs entitlement, user vs app) and <c>cnf</c> binding.
/// </summary>
public sealed class TokenIntrospector
{
    private static readonly string Header = Base64UrlEncoder.Encode("""{"alg":"none","typ":"at+jwt"}""");

    private readonly IntrospectionCache _cache;
    private readonly AuthOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<TokenIntrospector> _logger;
    private readonly TrustedIssuer[] _opaqueIssuers;

    public TokenIntrospector(TrustedIssuers issuers, IntrospectionCache cache, IOptions<AuthOptions> options, TimeProvider time, ILogger<TokenIntrospector> logger)
    {
        _cache = cache;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _opaqueIssuers = issuers.All.Where(i => i.IntrospectionClient is not null && i.Introspection.OpaqueTokens).ToArray();
    }

    /// <summary>Whether any issuer takes opaque tokens; if none does, a token that is not a JWS stays malformed.</summary>
    public bool IntrospectsOpaqueTokens => _opaqueIssuers.Length > 0;

    /// <summary>The token handler's answer for a token that is not a JWS.</summary>
    public Task<TokenValidationResult> ValidateOpaqueAsync(string token)
    {
        var decision = _cache.GetOrIntrospectAsync(TokenHash.Of(token), () => IntrospectOpaqueAsync(token));
        return decision.IsCompletedSuccessfully ? Task.FromResult(ToResult(decision.Result, token)) : AwaitResultAsync(decision, token);
    }

    private async Task<TokenValidationResult> AwaitResultAsync(Task<IntrospectionDecision> decision, string token) => ToResult(await decision, token);

    /// <summary>
    /// JwtBearer's OnTokenValidated, after the sender-constraint check: a JWT whose issuer introspects JWTs for this request
    /// (<c>Introspection__Jwts</c>: <c>Writes</c> or <c>Always</c>) must still be active there, so revocation takes effect for writes.
    /// </summary>
    public async Task CheckJwtStillActiveAsync(TokenValidatedContext context)
    {
        if (context.Principal?.Identity is not AccessTokenIdentity identity || context.SecurityToken is not JsonWebToken jwt
            || identity.Issuer.IntrospectionClient is not { } client)
        {
            return;
        }
        var mode = identity.Issuer.Introspection.Jwts;
        var method = context.Request.Method;
        // RFC 9110 §9.2.1: safe methods only read; those stay on local validation under "Writes".
        if (mode == JwtIntrospection.Never || (mode == JwtIntrospection.Writes && (HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method))))
        {
            return;
        }
        var token = jwt.EncodedToken;
        var decision = await _cache.GetOrIntrospectAsync(TokenHash.Of(token), async () =>
        {
            var answer = await client.IntrospectAsync(token);
            return answer.Outcome switch
            {
                IntrospectionOutcome.Active => (new IntrospectionDecision(identity, null), true),
                IntrospectionOutcome.Inactive => (IntrospectionDecision.Refused(IntrospectionRejections.Inactive), true),
                IntrospectionOutcome.RateLimited => (IntrospectionDecision.Refused(IntrospectionRejections.RateLimited), false),
                _ => (IntrospectionDecision.Refused(IntrospectionRejections.Unavailable), false),
            };
        });
        if (decision.Rejection is { } rejection)
        {
            Count(rejection);
            context.Fail(new AccessTokenRejectedException(rejection));
        }
    }

    private async Task<(IntrospectionDecision Decision, bool Cacheable)> IntrospectOpaqueAsync(string token)
    {
        TokenRejection? failure = null;
        foreach (var issuer in _opaqueIssuers)
        {
            var answer = await issuer.IntrospectionClient!.IntrospectAsync(token);
            switch (answer.Outcome)
            {
                case IntrospectionOutcome.Active:
                    return (Interpret(issuer, answer.Members!), true);
                case IntrospectionOutcome.Inactive:
                    continue;
                case IntrospectionOutcome.RateLimited:
                    failure ??= IntrospectionRejections.RateLimited;
                    continue;
                default:
                    failure = IntrospectionRejections.Unavailable;
                    continue;
            }
        }
        // An issuer that could not answer might have said active: 503, not cached, rather than a 401 for a good token.
        return failure is not null
            ? (IntrospectionDecision.Refused(failure), false)
            : (IntrospectionDecision.Refused(IntrospectionRejections.Inactive), true);
    }

    /// <summary>An active answer, read as the claims of a JWT from <paramref name="issuer"/> would be.</summary>
    private IntrospectionDecision Interpret(TrustedIssuer issuer, JsonObject members)
    {
        var now = _time.GetUtcNow();
        members.Remove("active");
        var issuerIdentifier = issuer.Keys.Current?.Issuer ?? issuer.Issuer;
        // RFC 7662 §2.2: iss is optional; when given it must be exactly the issuer we asked. Absent, it is the one we asked,
        // so a user is the same (iss, sub) whether the token was a JWT or opaque.
        if (members["iss"] is { } iss)
        {
            if (iss.GetValueKind() != JsonValueKind.String || iss.GetValue<string>() != issuerIdentifier)
            {
                return IntrospectionDecision.Refused(TokenRejection.UntrustedIssuer);
            }
        }
        else
        {
            members["iss"] = issuerIdentifier;
        }
        // RFC 7662 §2.2 token_type is an RFC 6749 §7.1 type; OpenIddict's token_usage says which kind of token it was.
        if ((members["token_type"] is { } type && (type.GetValueKind() != JsonValueKind.String || type.GetValue<string>().ToUpperInvariant() is not ("BEARER" or "DPOP")))
            || (members["token_usage"] is { } usage && (usage.GetValueKind() != JsonValueKind.String || usage.GetValue<string>() != "access_token")))
        {
            return IntrospectionDecision.Refused(TokenRejection.NotAnAccessToken);
        }

        var jwt = new JsonWebToken($"{Header}.{Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(members.ToJsonString()))}.");
        if (JoseRules.Check(jwt.EncodedHeader, jwt.EncodedPayload, now, _options.ClockSkew) is { } broken)
        {
            return IntrospectionDecision.Refused(broken);
        }
        // RFC 7662 §4: an answer is never taken past exp, even if the issuer still says active.
        if (jwt.ValidTo != DateTime.MinValue && jwt.ValidTo <= (now - _options.ClockSkew).UtcDateTime)
        {
            return IntrospectionDecision.Refused(IntrospectionRejections.Inactive);
        }
        if (jwt.ValidFrom != DateTime.MinValue && jwt.ValidFrom > (now + _options.ClockSkew).UtcDateTime)
        {
            return IntrospectionDecision.Refused(TokenRejection.NotYetValid);
        }
        if (issuer.Introspection.RequireAudience && issuer.Profile.Audience == AudienceSource.Aud && !jwt.Audiences.Any(issuer.AcceptsAudience))
        {
            return IntrospectionDecision.Refused(TokenRejection.WrongAudience);
        }
        var claims = new ClaimReader(jwt.Claims.ToList());
        if (issuer.Profile.CheckClaims(jwt, claims, issuer) is { } rejection)
        {
            return IntrospectionDecision.Refused(rejection);
        }
        // A DPoP- or certificate-bound opaque token meets the same sender-constraint rules as a bound JWT (RFC 9449 §6.2, RFC 8705 §3.2).
        if (TokenConfirmation.Read(jwt, out var confirmation) is { } unbindable)
        {
            return IntrospectionDecision.Refused(unbindable);
        }
        return new IntrospectionDecision(issuer.Profile.CreateIdentity(jwt, claims, issuer, confirmation), null);
    }

    private TokenValidationResult ToResult(IntrospectionDecision decision, string token)
    {
        if (decision.Rejection is { } rejection)
        {
            Count(rejection);
            return new TokenValidationResult { IsValid = false, Exception = new AccessTokenRejectedException(rejection) };
        }
        var identity = decision.Identity!;
        AuthMetrics.TokenValidations.Add(1, new KeyValuePair<string, object?>("issuer", identity.Issuer.Issuer), new KeyValuePair<string, object?>("outcome", "introspected"));
        return new TokenValidationResult
        {
            IsValid = true,
            ClaimsIdentity = identity,
            SecurityToken = new IntrospectedToken(token, identity),
            Issuer = identity.Issuer.Issuer,
        };
    }

    private void Count(TokenRejection rejection)
    {
        _logger.LogDebug("Access token refused: {Reason}", rejection.Code);
        AuthMetrics.TokenRejections.Add(1, new KeyValuePair<string, object?>("reason", rejection.Code));
    }
}
