namespace PhotoApi.DevIssuer.Tests;

/// <summary>How an existing sign-in session meets prompt and max_age (OpenID Connect Core §3.1.2.1).</summary>
public sealed class SignInTests(DevIssuerHost host) : IClassFixture<DevIssuerHost>
{
    private static AuthorizationRequest Request(params (string Key, string Value)[] extra) =>
        AuthorizationRequest.For(Client.PhotoPrint) with { Extra = extra.ToDictionary(e => e.Key, e => e.Value) };

    private static async Task<TestBrowser> SignedInBrowserAsync(DevIssuerHost host)
    {
        var browser = host.NewBrowser();
        await browser.AuthorizeAsync(Request());
        return browser;
    }

    [Fact]
    public async Task SignedInUser_GoesStraightToConsent()
    {
        using var browser = await SignedInBrowserAsync(host);

        var page = await browser.OpenAsync(Request().ToUrl());

        Assert.True(page.IsConsentPage);
    }

    [Fact]
    public async Task PromptLogin_AsksASignedInUserToSignInAgain()
    {
        using var browser = await SignedInBrowserAsync(host);

        var page = await browser.OpenAsync(Request(("prompt", "login")).ToUrl());

        Assert.Equal(HttpStatusCode.Redirect, page.Status);
        Assert.Equal("/account/login", page.Location!.AbsolutePath);
    }

    [Fact]
    public async Task PromptLogin_AfterSigningInAgain_ContinuesToConsentWithoutLooping()
    {
        using var browser = await SignedInBrowserAsync(host);
        var login = await browser.FollowAsync(await browser.OpenAsync(Request(("prompt", "login")).ToUrl()));

        var page = await browser.FollowAsync(await browser.SignInAsync(login, "bob"));

        Assert.True(page.IsConsentPage, page.Html);
        Assert.Contains("Signed in as Bob Example.", page.Html);
    }

    [Fact]
    public async Task MaxAgeZero_AsksForAFreshSignIn()
    {
        using var browser = await SignedInBrowserAsync(host);

        var page = await browser.OpenAsync(Request(("max_age", "0")).ToUrl());

        Assert.Equal("/account/login", page.Location!.AbsolutePath);
    }

    [Fact]
    public async Task MaxAgeNotYetReached_KeepsTheSession()
    {
        using var browser = await SignedInBrowserAsync(host);

        var page = await browser.OpenAsync(Request(("max_age", "3600")).ToUrl());

        Assert.True(page.IsConsentPage);
    }

    [Fact]
    public async Task PromptNone_WithoutASession_ReturnsLoginRequiredToTheClient()
    {
        using var browser = host.NewBrowser();

        var page = await browser.OpenAsync((Request(("prompt", "none")) with { State = "quiet" }).ToUrl());

        var parameters = page.RedirectParameters();
        Assert.StartsWith(Client.PhotoPrint.RedirectUri, page.Location!.ToString());
        Assert.Equal("login_required", parameters["error"]);
        Assert.Equal("quiet", parameters["state"]);
    }

    [Fact]
    public async Task ReturnUrlToAnotherSite_IsIgnoredAfterSignIn()
    {
        using var browser = host.NewBrowser();
        var login = await browser.OpenAsync("/account/login?returnUrl=https://evil.example/");

        var after = await browser.SignInAsync(login, "alice");

        Assert.Equal(HttpStatusCode.Redirect, after.Status);
        Assert.Equal(browser.BaseAddress.Host, after.Location!.Host);
        Assert.Equal("/", after.Location.AbsolutePath);
    }
}
