using Microsoft.Extensions.Time.Testing;
using Microsoft.Playwright;
using PhotoPrint.Tests.Infrastructure;

namespace PhotoPrint.Tests;

/// <summary>
/// The seed's story in a real browser (headless Chromium): Alice signs in to PhotoPrint with the dev issuer, consents to
/// photos.read, sees her thumbnails (streamed through PhotoPrint's backend) and not Bob's; the tokens stay on PhotoPrint's
/// server; the access token is refreshed before it expires; signing out revokes the refresh token; denying is no error.
/// </summary>
[Trait("Category", "Browser")]
public sealed class WebAppStoryTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _webTime = new(DateTimeOffset.UtcNow);
    private PhotoStory _story = null!;
    private PhotoPrintHost _web = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        var port = FreePort.Next();
        _story = await PhotoStory.StartAsync(new Dictionary<string, string?>
        {
            ["DevIssuer:Clients:0:RedirectUris:1"] = $"http://127.0.0.1:{port}/callback",
        });
        _web = new PhotoPrintHost(port, _story.Issuer.BaseAddress, _story.Api.BaseAddress, _webTime);
        _web.StartServer();
        (_playwright, _browser) = await Chromium.LaunchAsync();
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _web.DisposeAsync();
        await _story.DisposeAsync();
    }

    [Fact]
    public async Task AliceSignsInAndConsents_SeesHerThumbnails_NotBobs()
    {
        var (context, page) = await SignInAsAliceAsync();

        await Assertions.Expect(page.Locator("#user-name")).ToHaveTextAsync("Alice Example");
        await Assertions.Expect(page.Locator("figcaption")).ToHaveTextAsync(["Harbour at dusk", "Lighthouse"]);
        await Assertions.Expect(page.Locator("#photos")).Not.ToContainTextAsync("Bob's bicycle");
        // Every thumbnail really loaded: its bytes came from PhotoApi through PhotoPrint's backend.
        var widths = await page.Locator("#photos img").EvaluateAllAsync<int[]>("images => images.map(i => i.naturalWidth)");
        Assert.Equal([1, 1], widths);

        // Bob's photo through PhotoPrint's backend with Alice's session: the API's 404, passed on.
        var bobs = await context.APIRequest.GetAsync($"{_web.BaseAddress}photos/{_story.BobsPhotoId}/thumbnail");
        Assert.Equal(404, bobs.Status);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Path.GetTempPath(), "photoprint-web-thumbnails.png") });
    }

    [Fact]
    public async Task SessionCookie_IsHttpOnlyLax_AndCarriesNoToken()
    {
        var (context, _) = await SignInAsAliceAsync();

        var cookies = await context.CookiesAsync([_web.BaseAddress.AbsoluteUri]);
        var session = Assert.Single(cookies, cookie => cookie.Name == "photoprint.session");
        Assert.True(session.HttpOnly);
        Assert.Equal(SameSiteAttribute.Lax, session.SameSite);
        Assert.False(session.Secure); // plain HTTP on loopback; outside loopback the cookie is Secure
        // Only a session key: a ticket holding access, refresh and ID tokens would be several kilobytes (and chunked).
        Assert.True(session.Value.Length < 500, $"The session cookie is {session.Value.Length} characters long.");
        Assert.DoesNotContain(cookies, cookie => cookie.Name.StartsWith("photoprint.sessionC", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnHourLater_PhotoPrintRefreshesTheAccessTokenBeforeCallingTheApi()
    {
        var (_, page) = await SignInAsAliceAsync();
        Assert.Equal(["valid"], await _story.RefreshTokenStatusesAsync("alice", "photoprint"));

        _webTime.Advance(TimeSpan.FromHours(1));
        await page.ReloadAsync();

        await Assertions.Expect(page.Locator("figcaption")).ToHaveTextAsync(["Harbour at dusk", "Lighthouse"]);
        // The first refresh token was spent on a new pair (rotation); the new one is valid.
        Assert.Equal(["redeemed", "valid"], (await _story.RefreshTokenStatusesAsync("alice", "photoprint")).Order());
    }

    [Fact]
    public async Task SignOut_RevokesTheRefreshToken_AndEndsTheSession()
    {
        var (_, page) = await SignInAsAliceAsync();

        await page.Locator("#sign-out").ClickAsync();

        await Assertions.Expect(page.Locator("#signed-out")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#sign-in")).ToBeVisibleAsync();
        Assert.Equal(["revoked"], await _story.RefreshTokenStatusesAsync("alice", "photoprint"));
    }

    [Fact]
    public async Task AliceDenies_PhotoPrintSaysSoAndHoldsNoToken()
    {
        var context = await _browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(_web.BaseAddress.AbsoluteUri);
        await page.Locator("#sign-in").ClickAsync();
        await Chromium.SignInAsync(page, "alice");
        await page.Locator("#deny").ClickAsync();

        await Assertions.Expect(page.Locator("#sign-in-failed")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#sign-in")).ToBeVisibleAsync();
        Assert.DoesNotContain(await context.CookiesAsync([_web.BaseAddress.AbsoluteUri]), cookie => cookie.Name == "photoprint.session");
        Assert.Empty(await _story.RefreshTokenStatusesAsync("alice", "photoprint"));
    }

    private async Task<(IBrowserContext Context, IPage Page)> SignInAsAliceAsync()
    {
        var context = await _browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(_web.BaseAddress.AbsoluteUri);
        await page.Locator("#sign-in").ClickAsync();

        // At the dev issuer: sign in, then the consent page names PhotoPrint and what it asks for.
        await Chromium.SignInAsync(page, "alice");
        await Assertions.Expect(page.Locator("#client-name")).ToHaveTextAsync("PhotoPrint");
        await Assertions.Expect(page.Locator("#requested-scopes")).ToContainTextAsync("view your photos");
        await page.Locator("#allow").ClickAsync();

        await Assertions.Expect(page.Locator("#user-name")).ToBeVisibleAsync();
        Assert.StartsWith(_web.BaseAddress.AbsoluteUri, page.Url, StringComparison.Ordinal);
        return (context, page);
    }
}
