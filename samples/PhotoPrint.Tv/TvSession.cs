using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Duende.IdentityModel.Client;

namespace PhotoPrint.Tv;

/// <summary>One of the user's photos, as the TV lists it.</summary>
public sealed record PhotoSummary(string Title, long? SizeBytes);

/// <summary>
/// A signed-in TV: calls PhotoApi with the access token, refreshes it when it is about to expire (or the API says it has),
/// and revokes the refresh token when the user leaves (RFC 7009).
/// </summary>
public sealed class TvSession(HttpClient http, DiscoveryDocumentResponse discovery, TvOptions options, TimeProvider time, TokenSet tokens)
{
    public TokenSet Tokens { get; private set; } = tokens;

    /// <summary>The signed-in user's name, from the issuer's UserInfo endpoint (needs openid and profile).</summary>
    public async Task<string?> UserNameAsync(CancellationToken cancellationToken = default)
    {
        await EnsureFreshAsync(cancellationToken);
        var userInfo = await http.GetUserInfoAsync(new UserInfoRequest { Address = discovery.UserInfoEndpoint, Token = Tokens.AccessToken }, cancellationToken);
        return userInfo.IsError ? null : userInfo.Claims.FirstOrDefault(claim => claim.Type == "name")?.Value;
    }

    /// <summary>Every photo of the user, newest first, following the API's page tokens.</summary>
    public async Task<IReadOnlyList<PhotoSummary>> ListPhotosAsync(CancellationToken cancellationToken = default)
    {
        var photos = new List<PhotoSummary>();
        string? pageToken = null;
        do
        {
            var path = pageToken is null ? "v1/photos" : $"v1/photos?pageToken={Uri.EscapeDataString(pageToken)}";
            var page = await GetAsync<PhotoPage>(new Uri(options.Api, path), cancellationToken);
            photos.AddRange(page.Items.Select(item => new PhotoSummary(item.Title, item.SizeBytes)));
            pageToken = page.NextPageToken;
        }
        while (pageToken is not null);

        return photos;
    }

    public async Task RefreshAsync(CancellationToken cancellationToken = default)
    {
        if (Tokens.RefreshToken is null)
        {
            throw new DeviceSignInException("login_required", "No refresh token (offline_access was not granted): sign in again.");
        }

        var response = await http.RequestRefreshTokenAsync(new RefreshTokenRequest
        {
            Address = discovery.TokenEndpoint,
            ClientId = options.ClientId,
            RefreshToken = Tokens.RefreshToken,
        }, cancellationToken);
        if (response.IsError)
        {
            throw new DeviceSignInException(response.Error ?? "refresh_failed", response.ErrorDescription);
        }

        // The issuer rotates refresh tokens: keep the new one, the old one is spent.
        Tokens = TokenSet.From(response, time) with { RefreshToken = response.RefreshToken ?? Tokens.RefreshToken };
    }

    /// <summary>Sign out: revoke the refresh token, which also ends the access it grants (RFC 7009 §2.1).</summary>
    public async Task SignOutAsync(CancellationToken cancellationToken = default)
    {
        if (Tokens.RefreshToken is null)
        {
            return;
        }

        var response = await http.RevokeTokenAsync(new TokenRevocationRequest
        {
            Address = discovery.RevocationEndpoint,
            ClientId = options.ClientId,
            Token = Tokens.RefreshToken,
            TokenTypeHint = "refresh_token",
        }, cancellationToken);
        if (response.IsError)
        {
            throw new DeviceSignInException(response.Error ?? "revocation_failed", null);
        }
    }

    private async Task EnsureFreshAsync(CancellationToken cancellationToken)
    {
        if (Tokens.ExpiresSoon(time))
        {
            await RefreshAsync(cancellationToken);
        }
    }

    private async Task<T> GetAsync<T>(Uri uri, CancellationToken cancellationToken)
    {
        await EnsureFreshAsync(cancellationToken);
        using var response = await SendAsync(uri, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
        {
            return await ReadAsync<T>(response, cancellationToken);
        }

        // The API decides when a token has expired (its clock, revocation): refresh once and try again.
        await RefreshAsync(cancellationToken);
        using var retried = await SendAsync(uri, cancellationToken);
        return await ReadAsync<T>(retried, cancellationToken);
    }

    private async Task<HttpResponseMessage> SendAsync(Uri uri, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Tokens.AccessToken);
        return await http.SendAsync(request, cancellationToken);
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<T>(cancellationToken)
            ?? throw new InvalidOperationException("The API answered with an empty body.");
    }

    private sealed record PhotoPage(IReadOnlyList<PhotoItem> Items, string? NextPageToken);

    private sealed record PhotoItem(string Title, long? SizeBytes);
}
