using System.Security.Claims;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using PhotoApi.DevIssuer.Configuration;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace PhotoApi.DevIssuer.Protocol;

/// <summary>Builds the principals OpenIddict turns into tokens, so user and app tokens have one shape.</summary>
public static class TokenClaims
{
    public const string AcrPassword = "urn:photoapi:acr:pwd";
    public const string AcrMultiFactor = "urn:photoapi:acr:mfa";

    /// <summary>A user's token: sub, name, email, auth_time and acr travel in the access token (and ID token if openid).</summary>
    public static ClaimsPrincipal ForUser(
        DemoUserOptions user, long? authTime, string? acr, IEnumerable<string> scopes, string audience)
    {
        var identity = NewIdentity();
        identity.SetClaim(Claims.Subject, user.Subject)
            .SetClaim(Claims.Name, user.Name)
            .SetClaim(Claims.Email, user.Email)
            .SetClaim(Claims.AuthenticationTime, authTime)
            .SetClaim(Claims.AuthenticationContextReference, acr);
        return Finish(identity, scopes, audience);
    }

    /// <summary>
    /// An app token (client_credentials): RFC 9068 §2.2 says sub identifies the client when no user is
    /// involved, so sub = client_id. (OpenIddict 7.8 refuses to sign in a principal without sub at all.)
    /// </summary>
    public static ClaimsPrincipal ForClient(string clientId, IEnumerable<string> scopes, string audience)
    {
        var identity = NewIdentity();
        identity.SetClaim(Claims.Subject, clientId);
        return Finish(identity, scopes, audience);
    }

    /// <summary>Re-issues a principal from a code or refresh token, with the user's current name and email.</summary>
    public static ClaimsPrincipal Refresh(ClaimsPrincipal previous, DemoUserOptions user)
    {
        // A refresh token's cnf is its own binding (RFC 9449 §5); the new access token gets the key of this request's proof, if any.
        var identity = new ClaimsIdentity(
            previous.Claims.Where(claim => claim.Type is not (DpopTokenBinding.ConfirmationClaim or DpopTokenBinding.RefreshBindingClaim)),
            OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Name, user.Name).SetClaim(Claims.Email, user.Email);
        identity.SetDestinations(claim => Destinations(claim, identity));
        return new ClaimsPrincipal(identity);
    }

    private static ClaimsIdentity NewIdentity() =>
        new(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);

    private static ClaimsPrincipal Finish(ClaimsIdentity identity, IEnumerable<string> scopes, string audience)
    {
        identity.SetScopes(scopes);
        identity.SetAudiences(audience);
        identity.SetDestinations(claim => Destinations(claim, identity));
        return new ClaimsPrincipal(identity);
    }

    /// <summary>
    /// OpenIddict leaves out of a token any claim without a destination. The access token keeps name and email (the API
    /// shows them in /v1/me); the ID token carries them only when the profile / email scope was consented (OIDC Core §5.4).
    /// </summary>
    private static string[] Destinations(Claim claim, ClaimsIdentity identity) => claim.Type switch
    {
        Claims.Name when identity.HasScope(Scopes.Profile) => BothTokens,
        Claims.Email when identity.HasScope(Scopes.Email) => BothTokens,
        Claims.AuthenticationTime or Claims.AuthenticationContextReference => BothTokens,
        _ => [OpenIddictConstants.Destinations.AccessToken],
    };

    private static readonly string[] BothTokens = [OpenIddictConstants.Destinations.AccessToken, OpenIddictConstants.Destinations.IdentityToken];
}
