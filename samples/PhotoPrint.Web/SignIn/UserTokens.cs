using System.Globalization;
using Duende.IdentityModel.Client;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace PhotoPrint.Web.SignIn;

/// <summary>
/// The signed-in user's tokens, from the server-side session: an access token refreshed a minute before it expires
/// (the new refresh token replaces the old, which the issuer has spent), and revocation at sign-out.
/// </summary>
public sealed class UserTokens(
    IHttpContextAccessor accessor, IHttpClientFactory httpClients, DiscoveryCache discovery, IOptions<PhotoPrintOptions> options, TimeProvider time)
{
    private static readonly TimeSpan RefreshAhead = TimeSpan.FromMinutes(1);

    /// <summary>A usable access token, or null when there is no session or the issuer refused to refresh it.</summary>
    public async Task<string?> AccessTokenAsync(CancellationToken cancellationToken)
    {
        var http = accessor.HttpContext ?? throw new InvalidOperationException("No current request.");
        var session = await http.AuthenticateAsync(SignInSetup.CookieScheme);
        if (!session.Succeeded || session.Properties.GetTokenValue("access_token") is not { } accessToken)
        {
            return null;
        }

        var expiresAt = DateTimeOffset.Parse(session.Properties.GetTokenValue("expires_at")!, CultureInfo.InvariantCulture);
        if (time.GetUtcNow() < expiresAt - RefreshAhead)
        {
            return accessToken;
        }

        var refreshed = await RefreshAsync(session.Properties.GetTokenValue("refresh_token"), cancellationToken);
        if (refreshed is null)
        {
            await http.SignOutAsync(SignInSetup.CookieScheme); // the issuer said no (withdrawn, revoked): sign in again
            return null;
        }

        session.Properties.UpdateTokenValue("access_token", refreshed.AccessToken!);
        session.Properties.UpdateTokenValue("refresh_token", refreshed.RefreshToken ?? session.Properties.GetTokenValue("refresh_token")!);
        session.Properties.UpdateTokenValue("expires_at",
            time.GetUtcNow().AddSeconds(refreshed.ExpiresIn).ToString("o", CultureInfo.InvariantCulture));
        await http.SignInAsync(SignInSetup.CookieScheme, session.Principal!, session.Properties);
        return refreshed.AccessToken;
    }

    public async Task RevokeAsync(CancellationToken cancellationToken)
    {
        var http = accessor.HttpContext ?? throw new InvalidOperationException("No current request.");
        var session = await http.AuthenticateAsync(SignInSetup.CookieScheme);
        if (session.Properties?.GetTokenValue("refresh_token") is not { } refreshToken)
        {
            return;
        }

        var document = await discovery.GetAsync();
        using var client = httpClients.CreateClient(nameof(DiscoveryCache));
        await client.RevokeTokenAsync(new TokenRevocationRequest
        {
            Address = document.RevocationEndpoint,
            ClientId = options.Value.ClientId,
            ClientSecret = options.Value.ClientSecret,
            Token = refreshToken,
            TokenTypeHint = "refresh_token",
        }, cancellationToken);
    }

    private async Task<TokenResponse?> RefreshAsync(string? refreshToken, CancellationToken cancellationToken)
    {
        if (refreshToken is null)
        {
            return null;
        }

        var document = await discovery.GetAsync();
        using var client = httpClients.CreateClient(nameof(DiscoveryCache));
        var response = await client.RequestRefreshTokenAsync(new RefreshTokenRequest
        {
            Address = document.TokenEndpoint,
            ClientId = options.Value.ClientId,
            ClientSecret = options.Value.ClientSecret,
            RefreshToken = refreshToken,
        }, cancellationToken);
        return response.IsError ? null : response;
    }
}
