namespace PhotoApi.DevIssuer.Tests;

public sealed class AuthorizationCodeTests(DevIssuerHost host) : IClassFixture<DevIssuerHost>
{
    [Fact]
    public async Task UnsignedInUser_IsSentToTheSignInPage()
    {
        using var browser = host.NewBrowser();

        var page = await browser.OpenAsync(AuthorizationRequest.For(Client.PhotoPrint).ToUrl());

        Assert.Equal(HttpStatusCode.Redirect, page.Status);
        Assert.Equal("/account/login", page.Location!.AbsolutePath);
    }

    [Fact]
    public async Task SignInPage_OffersEachDemoUserWithALabel()
    {
        using var browser = host.NewBrowser();

        var login = await browser.FollowAsync(await browser.OpenAsync(AuthorizationRequest.For(Client.PhotoPrint).ToUrl()));

        Assert.Contains("""<label for="user-alice">Alice Example (alice@example.com)</label>""", login.Html);
        Assert.Contains("""<label for="user-bob">Bob Example (bob@example.com)</label>""", login.Html);
        Assert.Contains("""<label for="mfa">Sign in with a second factor</label>""", login.Html);
    }

    [Fact]
    public async Task SignIn_WithoutAntiforgeryToken_IsRefusedAsProblemJson()
    {
        using var browser = host.NewBrowser();
        var login = await browser.FollowAsync(await browser.OpenAsync(AuthorizationRequest.For(Client.PhotoPrint).ToUrl()));

        var response = await browser.SubmitAsync(login, new Dictionary<string, string> { ["subject"] = "alice" }, withAntiforgery: false);

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("application/problem+json", response.ContentType);
    }

    [Fact]
    public async Task ConsentPage_NamesTheClientAndTheScopesInPlainWords()
    {
        using var browser = host.NewBrowser();
        var login = await browser.FollowAsync(await browser.OpenAsync(AuthorizationRequest.For(Client.PhotoPrint).ToUrl()));

        var consent = await browser.FollowAsync(await browser.SignInAsync(login, "alice"));

        Assert.Contains("<strong id=\"client-name\">PhotoPrint</strong> wants to:", consent.Html);
        Assert.Contains(">view your photos</li>", consent.Html);
        Assert.Contains(">add, change and delete your photos</li>", consent.Html);
        Assert.Contains(">keep access when you are not using it</li>", consent.Html);
        Assert.Contains("""<button type="submit" id="allow" name="decision" value="allow">Allow</button>""", consent.Html);
        Assert.Contains("""<button type="submit" id="deny" name="decision" value="deny">Deny</button>""", consent.Html);
    }

    [Fact]
    public async Task Allow_RedirectsToTheClientWithACodeAndTheSameState()
    {
        using var browser = host.NewBrowser();
        var request = AuthorizationRequest.For(Client.PhotoPrint) with { State = "state-123" };

        var redirect = await browser.AuthorizeAsync(request);

        Assert.StartsWith(Client.PhotoPrint.RedirectUri + "?", redirect.Location!.ToString());
        var parameters = redirect.RedirectParameters();
        Assert.False(string.IsNullOrEmpty(parameters["code"]));
        Assert.Equal("state-123", parameters["state"]);
        Assert.Equal(host.Issuer, parameters["iss"]); // RFC 9207
    }

    [Fact]
    public async Task Deny_RedirectsWithAccessDeniedAndTheSameState()
    {
        using var browser = host.NewBrowser();
        var request = AuthorizationRequest.For(Client.PhotoPrint) with { State = "state-456" };

        var redirect = await browser.AuthorizeAsync(request, allow: false);

        redirect.AssertErrorRedirect(Client.PhotoPrint.RedirectUri, "access_denied", "state-456");
    }

    [Fact]
    public async Task Consent_WithoutAntiforgeryToken_IsRefused()
    {
        using var browser = host.NewBrowser();
        var login = await browser.FollowAsync(await browser.OpenAsync(AuthorizationRequest.For(Client.PhotoPrint).ToUrl()));
        var consent = await browser.FollowAsync(await browser.SignInAsync(login, "alice"));

        var response = await browser.SubmitAsync(consent, new Dictionary<string, string> { ["decision"] = "allow" }, withAntiforgery: false);

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Null(response.Location);
    }

    [Fact]
    public async Task CodeExchange_WithTheVerifier_ReturnsAccessAndRefreshTokens()
    {
        using var browser = host.NewBrowser();
        using var tokens = host.NewTokenClient();
        var request = AuthorizationRequest.For(Client.PhotoPrint);
        var code = await browser.GetCodeAsync(request);

        var response = await tokens.ExchangeCodeAsync(Client.PhotoPrint, code, request.Pkce.Verifier);

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.NotNull(response.AccessToken);
        Assert.NotNull(response.RefreshToken);
        Assert.Equal("Bearer", response.Get("token_type"));
    }

    [Fact]
    public async Task UserAccessToken_CarriesTheUserTheClientAndTheConsentedScopes()
    {
        var response = await host.SignInAndGetTokensAsync(Client.PhotoPrint, "alice", "photos.read offline_access");

        var jwt = Jwt.Decode(response.AccessToken!);
        Assert.Equal("at+jwt", jwt.HeaderValue("typ"));
        Assert.Equal("ES256", jwt.HeaderValue("alg"));
        Assert.Equal(host.Issuer, jwt.Claim("iss"));
        Assert.Equal("alice", jwt.Claim("sub"));
        Assert.Equal("photo-api", jwt.Claim("aud"));
        Assert.Equal("photoprint", jwt.Claim("client_id"));
        Assert.Equal("photos.read offline_access", jwt.Claim("scope"));
        Assert.Equal("Alice Example", jwt.Claim("name"));
        Assert.Equal("alice@example.com", jwt.Claim("email"));
        Assert.False(string.IsNullOrEmpty(jwt.Claim("jti")));
        Assert.Equal(3600, jwt.NumericClaim("exp") - jwt.NumericClaim("iat"));
    }

    [Fact]
    public async Task UserAccessToken_RecordsWhenAndHowTheUserSignedIn()
    {
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        var response = await host.SignInAndGetTokensAsync(Client.PhotoPrint, "bob");

        var jwt = Jwt.Decode(response.AccessToken!);
        Assert.InRange(jwt.NumericClaim("auth_time")!.Value, before - 1, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        Assert.Equal("urn:photoapi:acr:pwd", jwt.Claim("acr"));
    }

    [Fact]
    public async Task SignInWithASecondFactor_YieldsTheMfaAcr()
    {
        var response = await host.SignInAndGetTokensAsync(Client.PhotoPrint, "alice", secondFactor: true);

        Assert.Equal("urn:photoapi:acr:mfa", Jwt.Decode(response.AccessToken!).Claim("acr"));
    }

    [Fact]
    public async Task UserAccessToken_VerifiesAgainstThePublishedKeys()
    {
        var response = await host.SignInAndGetTokensAsync(Client.PhotoPrint);
        using var http = host.NewHttpClient();

        var result = await Jwt.ValidateAsync(response.AccessToken!, http, host.Issuer);

        Assert.True(result.IsValid, result.Exception?.Message);
    }

    [Fact]
    public async Task PublicSwaggerClient_ExchangesItsCodeWithPkceAndNoSecret()
    {
        var response = await host.SignInAndGetTokensAsync(Client.Swagger, "alice", "photos.read");

        Assert.Equal("swagger", Jwt.Decode(response.AccessToken!).Claim("client_id"));
    }

    [Theory]
    [InlineData("http://localhost:5002/callback/")]
    [InlineData("http://localhost:5002/callback/evil")]
    [InlineData("http://localhost:5002/callbackx")]
    [InlineData("http://localhost:5002/Callback")]
    [InlineData("http://localhost:5002/callback?next=x")]
    [InlineData("http://127.0.0.1:5002/callback")]
    [InlineData("https://evil.example/callback")]
    public async Task UnregisteredRedirectUri_IsRefusedWithoutRedirecting(string redirectUri)
    {
        using var browser = host.NewBrowser();
        var request = AuthorizationRequest.For(Client.PhotoPrint) with { RedirectUri = redirectUri };

        var page = await browser.OpenAsync(request.ToUrl());

        page.AssertErrorPage("'redirect_uri' is not valid");
    }

    [Fact]
    public async Task MissingCodeChallenge_IsRefused()
    {
        using var browser = host.NewBrowser();
        var request = AuthorizationRequest.For(Client.PhotoPrint) with { SendCodeChallenge = false, State = "s1" };

        var page = await browser.OpenAsync(request.ToUrl());

        // OpenIddict checks PKCE before trusting the redirect URI, so it answers itself instead of redirecting.
        page.AssertErrorPage("error:invalid_request");
        Assert.Contains("'code_challenge' parameter is missing", page.Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlainCodeChallengeMethod_IsRefused()
    {
        using var browser = host.NewBrowser();
        var request = AuthorizationRequest.For(Client.PhotoPrint) with { CodeChallengeMethod = "plain" };

        var page = await browser.OpenAsync(request.ToUrl());

        page.AssertErrorPage("error:invalid_request");
        Assert.Contains("'code_challenge_method' is not supported", page.Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongCodeVerifier_IsRefused()
    {
        using var browser = host.NewBrowser();
        using var tokens = host.NewTokenClient();
        var request = AuthorizationRequest.For(Client.PhotoPrint);
        var code = await browser.GetCodeAsync(request);

        var response = await tokens.ExchangeCodeAsync(Client.PhotoPrint, code, Pkce.New().Verifier);

        response.AssertError(HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task CodeExchange_WithADifferentRedirectUri_IsRefused()
    {
        using var browser = host.NewBrowser();
        using var tokens = host.NewTokenClient();
        var request = AuthorizationRequest.For(Client.PhotoPrint);
        var code = await browser.GetCodeAsync(request);

        var response = await tokens.ExchangeCodeAsync(Client.PhotoPrint, code, request.Pkce.Verifier, "http://localhost:5002/other");

        response.AssertError(HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task ReplayedCode_IsRefused()
    {
        using var browser = host.NewBrowser();
        using var tokens = host.NewTokenClient();
        var request = AuthorizationRequest.For(Client.PhotoPrint);
        var code = await browser.GetCodeAsync(request);
        (await tokens.ExchangeCodeAsync(Client.PhotoPrint, code, request.Pkce.Verifier)).EnsureTokens();

        var replay = await tokens.ExchangeCodeAsync(Client.PhotoPrint, code, request.Pkce.Verifier);

        replay.AssertError(HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task ReplayedCode_RevokesTheRefreshTokenIssuedFromIt()
    {
        using var browser = host.NewBrowser();
        using var tokens = host.NewTokenClient();
        var request = AuthorizationRequest.For(Client.PhotoPrint);
        var code = await browser.GetCodeAsync(request);
        var issued = (await tokens.ExchangeCodeAsync(Client.PhotoPrint, code, request.Pkce.Verifier)).EnsureTokens();

        await tokens.ExchangeCodeAsync(Client.PhotoPrint, code, request.Pkce.Verifier);

        var refresh = await tokens.RefreshAsync(Client.PhotoPrint, issued.RefreshToken!);
        refresh.AssertError(HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task ReplayedCode_RevokesTheAccessTokenIssuedFromIt()
    {
        using var browser = host.NewBrowser();
        using var tokens = host.NewTokenClient();
        var request = AuthorizationRequest.For(Client.PhotoPrint);
        var code = await browser.GetCodeAsync(request);
        var issued = (await tokens.ExchangeCodeAsync(Client.PhotoPrint, code, request.Pkce.Verifier)).EnsureTokens();
        Assert.True((await tokens.IntrospectAsync(Client.PhotoPrint, issued.AccessToken!)).Body.GetProperty("active").GetBoolean());

        await tokens.ExchangeCodeAsync(Client.PhotoPrint, code, request.Pkce.Verifier);

        var introspection = await tokens.IntrospectAsync(Client.PhotoPrint, issued.AccessToken!);
        Assert.False(introspection.Body.GetProperty("active").GetBoolean());
    }
}
