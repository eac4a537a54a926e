using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using PhotoApi.DevIssuer.Keys;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace PhotoApi.DevIssuer.DevTokens;

/// <summary>A validated request for a development token.</summary>
public sealed record DevTokenSpec(
    string Issuer,
    string Audience,
    string Subject,
    string ClientId,
    IReadOnlyList<string> Scopes,
    DateTimeOffset IssuedAt,
    TimeSpan Lifetime,
    string? Name = null,
    string? Email = null,
    string? Acr = null,
    long? AuthTime = null,
    string? Jkt = null,
    string? X5tS256 = null);

/// <summary>
/// Mints access tokens outside any OAuth request. Written with JsonWebTokenHandler because OpenIddict
/// only issues tokens from a protocol request; the key, typ and claim shape copy OpenIddict's
/// (iss, sub, aud, exp, iat, jti, client_id, scope; no nbf; OpenIddict's private oi_* claims are left out).
/// </summary>
public sealed class DevTokenMinter(IssuerSigningKey signingKey)
{
    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };

    public string Mint(DevTokenSpec spec)
    {
        var claims = new Dictionary<string, object>
        {
            [Claims.Subject] = spec.Subject,
            [Claims.ClientId] = spec.ClientId,
            [Claims.JwtId] = Guid.NewGuid().ToString(),
        };
        if (spec.Scopes.Count > 0)
        {
            claims[Claims.Scope] = string.Join(' ', spec.Scopes); // RFC 9068 §2.2.3: one space-delimited string.
        }

        AddIfPresent(claims, Claims.Name, spec.Name);
        AddIfPresent(claims, Claims.Email, spec.Email);
        AddIfPresent(claims, Claims.AuthenticationContextReference, spec.Acr);
        if (spec.AuthTime is long authTime)
        {
            claims[Claims.AuthenticationTime] = authTime;
        }

        // RFC 7800 §3.1 confirmation: RFC 9449 §6.1 (DPoP key thumbprint) and RFC 8705 §3.1 (client certificate thumbprint).
        var cnf = new Dictionary<string, object>();
        AddIfPresent(cnf, "jkt", spec.Jkt);
        AddIfPresent(cnf, "x5t#S256", spec.X5tS256);
        if (cnf.Count > 0)
        {
            claims["cnf"] = cnf;
        }

        return Handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = spec.Issuer,
            Audience = spec.Audience,
            Claims = claims,
            IssuedAt = spec.IssuedAt.UtcDateTime,
            Expires = (spec.IssuedAt + spec.Lifetime).UtcDateTime,
            TokenType = JsonWebTokenTypes.AccessToken,
            SigningCredentials = signingKey.Credentials,
        });
    }

    private static void AddIfPresent(Dictionary<string, object> claims, string type, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            claims[type] = value;
        }
    }
}
