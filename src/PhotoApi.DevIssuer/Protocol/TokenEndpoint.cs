using System.Security.Claims;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using PhotoApi.DevIssuer.Configuration;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace PhotoApi.DevIssuer.Protocol;

/// <summary>
/// The token endpoint's passthrough: OpenIddict has authenticated the client and validated the code,
/// PKCE verifier, device code or refresh token; we only say which principal the new tokens describe.
/// </summary>
public static class TokenEndpoint
{
    public static IEndpointRouteBuilder MapToken(this IEndpointRouteBuilder routes)
    {
        routes.MapPost(ProtocolSetup.TokenPath, Exchange).DisableAntiforgery().ExcludeFromDescription();
        return routes;
    }

    public static async Task<Results<SignInHttpResult, ForbidHttpResult>> Exchange(
        HttpContext http, IOpenIddictApplicationManager applications, DemoUsers users, IOptions<DevIssuerOptions> options)
    {
        var request = http.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("The OpenIddict server request cannot be retrieved.");

        if (request.IsClientCredentialsGrantType())
        {
            var application = await applications.FindByClientIdAsync(request.ClientId!)
                ?? throw new InvalidOperationException("OpenIddict authenticated a client that no longer exists.");

            // No scope parameter: the app gets every scope it is allowed (OpenIddict already refused any it is not).
            var scopes = request.GetScopes();
            if (scopes.IsEmpty)
            {
                scopes = [.. (await applications.GetPermissionsAsync(application))
                    .Where(permission => permission.StartsWith(Permissions.Prefixes.Scope, StringComparison.Ordinal))
                    .Select(permission => permission[Permissions.Prefixes.Scope.Length..])];
            }

            return SignIn(TokenClaims.ForClient(request.ClientId!, scopes, options.Value.Audience));
        }

        if (request.IsAuthorizationCodeGrantType() || request.IsRefreshTokenGrantType() || request.IsDeviceCodeGrantType())
        {
            var previous = await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
            var user = users.Find(previous.Principal?.GetClaim(Claims.Subject));
            if (previous.Principal is null || user is null)
            {
                return TypedResults.Forbid(
                    new AuthenticationProperties(new Dictionary<string, string?>
                    {
                        [OpenIddictServerAspNetCoreConstants.Properties.Error] = Errors.InvalidGrant,
                        [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = "The user no longer exists.",
                    }),
                    [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
            }

            return SignIn(TokenClaims.Refresh(previous.Principal, user));
        }

        throw new InvalidOperationException($"OpenIddict let through the unsupported grant type '{request.GrantType}'.");
    }

    private static SignInHttpResult SignIn(ClaimsPrincipal principal) =>
        TypedResults.SignIn(principal, authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
}
