using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using PhotoApi.DevIssuer.Configuration;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace PhotoApi.DevIssuer.Protocol;

/// <summary>
/// OpenID Connect's UserInfo endpoint (OIDC Core §5.3). OpenIddict has validated the access token; this returns the
/// claims its scopes cover (§5.4: profile → name, email → email), read from the user's current record.
/// </summary>
public static class UserInfoEndpoint
{
    public static IEndpointRouteBuilder MapUserInfo(this IEndpointRouteBuilder routes)
    {
        routes.MapMethods(ProtocolSetup.UserInfoPath, [HttpMethods.Get, HttpMethods.Post], UserInfo)
            .DisableAntiforgery()
            .ExcludeFromDescription();
        return routes;
    }

    public static async Task<Results<Ok<Dictionary<string, object>>, ForbidHttpResult, ChallengeHttpResult>> UserInfo(HttpContext http, DemoUsers users)
    {
        var principal = (await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme)).Principal;
        var user = users.Find(principal?.GetClaim(Claims.Subject));
        if (principal is null || user is null)
        {
            return TypedResults.Challenge(Error(Errors.InvalidToken, "The access token does not belong to a known user."),
                [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
        }

        // OIDC Core §5.3: UserInfo answers access tokens from an OpenID Connect request (scope openid).
        if (!principal.HasScope(Scopes.OpenId))
        {
            return TypedResults.Forbid(Error(Errors.InsufficientScope, "The access token was not issued for the openid scope."),
                [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
        }

        var claims = new Dictionary<string, object>(StringComparer.Ordinal) { [Claims.Subject] = user.Subject };
        if (principal.HasScope(Scopes.Profile))
        {
            claims[Claims.Name] = user.Name;
        }

        if (principal.HasScope(Scopes.Email) && user.Email is not null)
        {
            claims[Claims.Email] = user.Email;
        }

        return TypedResults.Ok(claims);
    }

    private static AuthenticationProperties Error(string error, string description) =>
        new(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        });
}
