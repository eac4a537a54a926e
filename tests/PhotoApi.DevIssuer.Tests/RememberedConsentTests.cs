namespace PhotoApi.DevIssuer.Tests;

/// <summary>
/// "Remember my choice" on the consent page: the next authorization for the same user, client and scopes skips the page;
/// the user sees the apps they allowed at /account/apps, and withdrawing one revokes its tokens.
/// </summary>
public sealed class RememberedConsentTests : IAsyncLifetime
{
    private DevIssuerHost _host = null!;

    public Task InitializeAsync()
    {
        _host = new DevIssuerHost(); // one per test: a remembered consent must not leak into the next story
        _host.StartServer();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task ConsentPage_OffersToRememberTheChoice()
    {
        using var browser = _host.NewBrowser();
        var login = await browser.FollowAsync(await browser.OpenAsync(AuthorizationRequest.For(Client.PhotoPrint).ToUrl()));

        var consent = await browser.FollowAsync(await browser.SignInAsync(login, "alice"));

        Assert.Contains("""<input type="checkbox" id="remember" name="remember" value="true">""", consent.Html, StringComparison.Ordinal);
        Assert.Contains("Remember my choice for PhotoPrint", consent.Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RememberedConsent_TheNextAuthorizationSkipsTheConsentPage()
    {
        using var browser = _host.NewBrowser();
        await browser.AuthorizeAsync(AuthorizationRequest.For(Client.PhotoPrint), remember: true);

        var next = await browser.OpenAsync((AuthorizationRequest.For(Client.PhotoPrint) with { Scope = "photos.read" }).ToUrl());

        Assert.True(next.RedirectParameters().ContainsKey("code"), $"Expected a code, got {(int)next.Status}: {next.Html}");
    }

    [Fact]
    public async Task ConsentNotRemembered_IsAskedAgain()
    {
        using var browser = _host.NewBrowser();
        await browser.AuthorizeAsync(AuthorizationRequest.For(Client.PhotoPrint), remember: false);

        var next = await browser.OpenAsync(AuthorizationRequest.For(Client.PhotoPrint).ToUrl());

        Assert.True(next.IsConsentPage);
    }

    [Fact]
    public async Task RememberedConsent_CoversOnlyTheScopesGiven()
    {
        using var browser = _host.NewBrowser();
        await browser.AuthorizeAsync(AuthorizationRequest.For(Client.PhotoPrint) with { Scope = "photos.read" }, remember: true);

        var more = await browser.OpenAsync((AuthorizationRequest.For(Client.PhotoPrint) with { Scope = "photos.read photos.write" }).ToUrl());

        Assert.True(more.IsConsentPage);
    }

    [Fact]
    public async Task RememberedConsent_IsPerUser()
    {
        using (var alice = _host.NewBrowser())
        {
            await alice.AuthorizeAsync(AuthorizationRequest.For(Client.PhotoPrint), remember: true);
        }

        using var bob = _host.NewBrowser();
        var login = await bob.FollowAsync(await bob.OpenAsync(AuthorizationRequest.For(Client.PhotoPrint).ToUrl()));
        var page = await bob.FollowAsync(await bob.SignInAsync(login, "bob"));

        Assert.True(page.IsConsentPage);
    }

    [Fact]
    public async Task PromptConsent_AsksEvenWhenRemembered()
    {
        using var browser = _host.NewBrowser();
        await browser.AuthorizeAsync(AuthorizationRequest.For(Client.PhotoPrint), remember: true);
        var request = AuthorizationRequest.For(Client.PhotoPrint) with { Extra = new() { ["prompt"] = "consent" } };

        var again = await browser.OpenAsync(request.ToUrl());

        Assert.True(again.IsConsentPage);
    }

    [Fact]
    public async Task AppsPage_ListsTheAppsTheUserAllowed_WithWhatTheyMayDo()
    {
        using var browser = _host.NewBrowser();
        await browser.AuthorizeAsync(AuthorizationRequest.For(Client.PhotoPrint) with { Scope = "photos.read" }, remember: true);

        var apps = await browser.OpenAsync("account/apps");

        Assert.Equal(HttpStatusCode.OK, apps.Status);
        Assert.Contains("data-client=\"photoprint\"", apps.Html, StringComparison.Ordinal);
        Assert.Contains("<strong>PhotoPrint</strong> can:", apps.Html, StringComparison.Ordinal);
        Assert.Contains("<li>view your photos</li>", apps.Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AppsPage_WithoutSigningIn_SendsToTheSignInPage()
    {
        using var browser = _host.NewBrowser();

        var page = await browser.OpenAsync("account/apps");

        Assert.Equal("/account/login", page.Location!.AbsolutePath);
    }

    [Fact]
    public async Task Withdrawing_RevokesTheAppsRefreshToken_AndAsksForConsentAgain()
    {
        using var browser = _host.NewBrowser();
        using var tokens = _host.NewTokenClient();
        var request = AuthorizationRequest.For(Client.PhotoPrint);
        var code = (await browser.AuthorizeAsync(request, remember: true)).RedirectParameters()["code"];
        var issued = (await tokens.ExchangeCodeAsync(Client.PhotoPrint, code, request.Pkce.Verifier)).EnsureTokens();

        var apps = await browser.OpenAsync("account/apps");
        var afterWithdrawal = await browser.FollowAsync(await browser.SubmitAsync(apps));
        var refresh = await tokens.RefreshAsync(Client.PhotoPrint, issued.RefreshToken!);
        var next = await browser.OpenAsync(AuthorizationRequest.For(Client.PhotoPrint).ToUrl());

        Assert.Contains("id=\"no-apps\"", afterWithdrawal.Html, StringComparison.Ordinal);
        Assert.Equal("invalid_grant", refresh.Error);
        Assert.True(next.IsConsentPage);
    }

    [Fact]
    public async Task Withdrawing_SomeoneElsesConsent_IsNotFound()
    {
        using var alice = _host.NewBrowser();
        await alice.AuthorizeAsync(AuthorizationRequest.For(Client.PhotoPrint), remember: true);
        var alicesApps = await alice.OpenAsync("account/apps");
        var alicesConsent = alicesApps.FormFields().Single(field => field.Key == "authorization").Value;

        using var bob = _host.NewBrowser();
        var login = await bob.FollowAsync(await bob.OpenAsync("account/apps"));
        var bobsApps = await bob.FollowAsync(await bob.SignInAsync(login, "bob"));
        Assert.Contains("id=\"no-apps\"", bobsApps.Html, StringComparison.Ordinal);
        // Bob forges a withdrawal form for Alice's consent, with his own anti-forgery token (from his sign-out form).
        var home = await bob.OpenAsync("/");
        var forged = await bob.SubmitAsync(home with { Html = home.Html.Replace("/account/logout", "/account/apps/withdraw", StringComparison.Ordinal) },
            new Dictionary<string, string> { ["authorization"] = alicesConsent });

        Assert.Equal(HttpStatusCode.NotFound, forged.Status);
        Assert.Equal("application/problem+json", forged.ContentType);
        Assert.Contains("data-client=\"photoprint\"", (await alice.OpenAsync("account/apps")).Html, StringComparison.Ordinal);
    }
}
