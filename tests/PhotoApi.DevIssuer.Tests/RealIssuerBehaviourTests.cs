using System.Net.Http.Headers;

namespace PhotoApi.DevIssuer.Tests;

/// <summary>Where a certified client library would notice a difference between the dev issuer and a real one.</summary>
public sealed class RealIssuerBehaviourTests(DevIssuerHost host) : IClassFixture<DevIssuerHost>
{
    [Fact]
    public async Task AuthorizationRequest_ForAScopeTheClientMayNotUse_RedirectsWithInvalidScope()
    {
        using var browser = host.NewBrowser();
        var request = AuthorizationRequest.For(Client.PhotoPrint) with { Scope = "photos.read photos.admin", State = "s-1" };

        var page = await browser.OpenAsync(request.ToUrl());

        // RFC 6749 §4.1.2.1: the redirect URI is valid, so the error goes back to the client with its state.
        page.AssertErrorRedirect(Client.PhotoPrint.RedirectUri, "invalid_scope", "s-1");
    }

    [Fact]
    public async Task AuthorizationRequest_ForAnUnknownScope_IsInvalidScopeToo()
    {
        using var browser = host.NewBrowser();
        var request = AuthorizationRequest.For(Client.PhotoPrint) with { Scope = "photos.read photos.everything" };

        var page = await browser.OpenAsync(request.ToUrl());

        Assert.Equal("invalid_scope", page.RedirectParameters()["error"]);
        Assert.DoesNotContain("photos.everything", page.Location!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImplicitGrant_IsRefusedWithAReasonCitingRfc9700()
    {
        using var browser = host.NewBrowser();
        var url = (AuthorizationRequest.For(Client.PhotoPrint) with { SendCodeChallenge = false }).ToUrl()
            .Replace("response_type=code", "response_type=token", StringComparison.Ordinal);

        var page = await browser.OpenAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, page.Status);
        Assert.Contains("unsupported_response_type", page.Html, StringComparison.Ordinal);
        Assert.Contains("RFC 9700 §2.1.2", WebUtility.HtmlDecode(page.Html), StringComparison.Ordinal);
        Assert.Null(page.Location);
    }

    [Fact]
    public async Task PasswordGrant_IsRefusedWithAReasonCitingRfc9700()
    {
        using var tokens = host.NewTokenClient();

        var response = await tokens.TokenRequestAsync(Client.PhotoPrint, new()
        {
            ["grant_type"] = "password",
            ["username"] = "alice",
            ["password"] = "alice",
        });

        response.AssertError(HttpStatusCode.BadRequest, "unsupported_grant_type");
        Assert.Contains("RFC 9700 §2.4", response.ErrorDescription, StringComparison.Ordinal);
        Assert.Null(response.AccessToken);
    }

    [Fact]
    public async Task Discovery_NamesTheUserInfoEndpoint()
    {
        var metadata = await MetadataAsync();

        Assert.Equal(host.Issuer + "connect/userinfo", metadata.GetProperty("userinfo_endpoint").GetString());
    }

    [Fact]
    public async Task Discovery_ClaimsSupported_CoversEveryClaimOfIdTokenAndUserInfo()
    {
        var supported = (await MetadataAsync()).GetProperty("claims_supported").EnumerateArray().Select(e => e.GetString()).ToHashSet();
        var tokens = await host.SignInAndGetTokensAsync(Client.PhotoPrint, scope: "openid profile email photos.read");
        var userInfo = await UserInfoAsync(tokens.AccessToken!);

        // OpenIddict's private oi_* claims and the protocol hashes (at_hash, nonce) are not user claims.
        var idTokenClaims = Jwt.Decode(tokens.IdToken!).Payload.EnumerateObject().Select(p => p.Name)
            .Where(name => !name.StartsWith("oi_", StringComparison.Ordinal) && name is not ("at_hash" or "nonce" or "jti" or "nbf"));
        Assert.All(idTokenClaims.Concat(userInfo.EnumerateObject().Select(p => p.Name)), claim => Assert.Contains(claim, supported));
        Assert.Contains("name", supported);
        Assert.Contains("email", supported);
    }

    [Fact]
    public async Task UserInfo_ReturnsTheClaimsOfTheConsentedScopes()
    {
        var tokens = await host.SignInAndGetTokensAsync(Client.PhotoPrint, user: "bob", scope: "openid profile email photos.read");

        var userInfo = await UserInfoAsync(tokens.AccessToken!);

        Assert.Equal("bob", userInfo.GetProperty("sub").GetString());
        Assert.Equal("Bob Example", userInfo.GetProperty("name").GetString());
        Assert.Equal("bob@example.com", userInfo.GetProperty("email").GetString());
    }

    [Fact]
    public async Task UserInfo_WithoutTheEmailScope_LeavesTheEmailOut()
    {
        var tokens = await host.SignInAndGetTokensAsync(Client.PhotoPrint, scope: "openid profile photos.read");

        var userInfo = await UserInfoAsync(tokens.AccessToken!);

        Assert.Equal("alice", userInfo.GetProperty("sub").GetString());
        Assert.Equal("Alice Example", userInfo.GetProperty("name").GetString());
        Assert.False(userInfo.TryGetProperty("email", out _));
    }

    [Fact]
    public async Task IdToken_CarriesOnlyTheProfileClaimsOfTheConsentedScopes()
    {
        var tokens = await host.SignInAndGetTokensAsync(Client.PhotoPrint, scope: "openid email photos.read");

        var idToken = Jwt.Decode(tokens.IdToken!);

        Assert.Equal("alice", idToken.Claim("sub"));
        Assert.Equal("alice@example.com", idToken.Claim("email"));
        Assert.False(idToken.Has("name"));
    }

    [Fact]
    public async Task UserInfo_ForATokenWithoutOpenId_IsInsufficientScope()
    {
        var tokens = await host.SignInAndGetTokensAsync(Client.PhotoPrint, scope: "photos.read");

        using var response = await SendUserInfoAsync(tokens.AccessToken!);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("insufficient_scope", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UserInfo_WithoutAToken_IsAChallenge()
    {
        using var http = host.NewHttpClient();

        using var response = await http.GetAsync("connect/userinfo");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.StartsWith("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UserInfo_ForAnAppToken_IsRefused()
    {
        using var tokens = host.NewTokenClient();
        var app = (await tokens.ClientCredentialsAsync("photo-admin-job", "photo-admin-job-secret")).EnsureTokens();

        using var response = await SendUserInfoAsync(app.AccessToken!);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private async Task<JsonElement> MetadataAsync()
    {
        using var http = host.NewHttpClient();
        return JsonDocument.Parse(await http.GetStringAsync(".well-known/openid-configuration")).RootElement.Clone();
    }

    private async Task<HttpResponseMessage> SendUserInfoAsync(string accessToken)
    {
        using var http = host.NewHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "connect/userinfo");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return await http.SendAsync(request);
    }

    private async Task<JsonElement> UserInfoAsync(string accessToken)
    {
        using var response = await SendUserInfoAsync(accessToken);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"UserInfo answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}
