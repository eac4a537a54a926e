using System.Collections.Frozen;
using System.Security.Claims;

namespace PhotoApi.Auth;

/// <summary>
/// A validated access token, with what authorization needs already read out of it (scopes, user or app, sign-in time).
/// Built once per token and shared by every request that presents the same token (see <see cref="ValidatedTokenCache"/>),
/// so nothing may change it after construction.
/// </summary>
public sealed class AccessTokenIdentity : ClaimsIdentity
{
    public AccessTokenIdentity(
        IEnumerable<Claim> claims,
        TrustedIssuer issuer,
        string? subject,
        string? clientId,
        CallerKind kind,
        FrozenSet<string> scopes,
        DateTime expiresUtc,
        DateTimeOffset? authTime,
        string? acr,
        string? name,
        string? email,
        TokenConfirmation? confirmation = null)
        : base(claims, authenticationType: "Bearer", nameType: "sub", roleType: "roles")
    {
        Issuer = issuer;
        IssuerIdentifier = FindFirst("iss")?.Value ?? issuer.Issuer;
        CallerKey = kind switch
        {
            CallerKind.User => $"user|{IssuerIdentifier}|{subject}",
            CallerKind.App => $"app|{IssuerIdentifier}|{clientId ?? subject}",
            _ => $"unknown|{IssuerIdentifier}|{clientId}|{subject}",
        };
        Subject = subject;
        ClientId = clientId;
        Kind = kind;
        Scopes = scopes;
        ExpiresUtc = expiresUtc;
        AuthTime = authTime;
        Acr = acr;
        DisplayName = name;
        Email = email;
        Confirmation = confirmation;
    }

    /// <summary>The trusted issuer (configuration and keys) that vouched for this token.</summary>
    public TrustedIssuer Issuer { get; }

    /// <summary>The token's exact <c>iss</c>, as the issuer's discovery document states it; with <see cref="Subject"/> it identifies the user.</summary>
    public string IssuerIdentifier { get; }

    /// <summary>Who is calling, for per-caller limits: the user (issuer, subject) or, for an app token, the client. Built once per token.</summary>
    public string CallerKey { get; }

    /// <summary>The user's <c>sub</c>; with <see cref="IssuerIdentifier"/> it identifies the user.</summary>
    public string? Subject { get; }

    public string? ClientId { get; }

    /// <summary>User-delegated, an application's own (client credentials), or neither (refused everywhere).</summary>
    public CallerKind Kind { get; }

    public FrozenSet<string> Scopes { get; }

    public DateTime ExpiresUtc { get; }

    public DateTimeOffset? AuthTime { get; }

    public string? Acr { get; }

    public string? DisplayName { get; }

    public string? Email { get; }

    /// <summary>What the token is bound to (<c>cnf</c>), checked on every request by <see cref="SenderConstraint"/>; null for a plain bearer token.</summary>
    public TokenConfirmation? Confirmation { get; }

    // Shared by every request that presents the same token: a claims transformation that edited it would leak into other
    // requests, so it cannot be edited. To add claims, transform a copy (ClaimsPrincipal.Clone()).
    public override void AddClaim(Claim claim) => throw Frozen();

    public override void AddClaims(IEnumerable<Claim?> claims) => throw Frozen();

    public override void RemoveClaim(Claim? claim) => throw Frozen();

    public override bool TryRemoveClaim(Claim? claim) => throw Frozen();

    private static InvalidOperationException Frozen() =>
        new("A validated access token is shared by every request that presents it and cannot be changed; transform a copy (ClaimsPrincipal.Clone()).");
}
