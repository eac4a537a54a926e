using Microsoft.IdentityModel.Tokens;

namespace PhotoApi.Auth.Introspection;

/// <summary>
/// An opaque access token that introspection vouched for, as JwtBearer's <see cref="SecurityToken"/>. Made per request: it
/// holds the token as presented (for the DPoP <c>ath</c> check) only for that request; the cache keeps its hash, never the token.
/// </summary>
public sealed class IntrospectedToken(string presented, AccessTokenIdentity identity) : SecurityToken
{
    /// <summary>The token exactly as the client sent it.</summary>
    public string Presented { get; } = presented;

    public AccessTokenIdentity Identity { get; } = identity;

    public override string Id => Identity.FindFirst("jti")?.Value ?? "";

    public override string Issuer => Identity.IssuerIdentifier;

    public override SecurityKey? SecurityKey => null;

    public override SecurityKey? SigningKey { get; set; }

    public override DateTime ValidFrom => DateTime.MinValue;

    // RFC 7662 §2.2: exp is optional; without it the token is good for as long as the issuer says it is active.
    public override DateTime ValidTo => Identity.ExpiresUtc == DateTime.MinValue ? DateTime.MaxValue : Identity.ExpiresUtc;

    public override string UnsafeToString() => "[opaque access token]";

    public override string ToString() => "[opaque access token]";
}
