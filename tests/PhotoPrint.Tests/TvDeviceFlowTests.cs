using Microsoft.Extensions.Time.Testing;
using Microsoft.Playwright;
using PhotoPrint.Tests.Infrastructure;
using PhotoPrint.Tv;

namespace PhotoPrint.Tests;

/// <summary>
/// PhotoPrint for TV against the real dev issuer and the real API: the TV shows a code, Alice types it on her phone
/// (headless Chromium) and allows; the TV lists her photos, refreshes its token when it expires, and revokes on exit.
/// The issuer and the TV each run on a fake clock, so polling intervals and expiry are exact instead of waited for.
/// </summary>
[Trait("Category", "Browser")]
public sealed class TvDeviceFlowTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _issuerTime = new(DateTimeOffset.UtcNow);
    private readonly FakeTimeProvider _tvTime = new(DateTimeOffset.UtcNow);
    private PhotoStory _story = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _story = await PhotoStory.StartAsync(issuerTime: _issuerTime);
        (_playwright, _browser) = await Chromium.LaunchAsync();
        _http = new HttpClient();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _story.DisposeAsync();
    }

    private DeviceSignIn NewTv() => new(_http, new TvOptions(_story.Issuer.BaseAddress, _story.Api.BaseAddress), _tvTime);

    [Fact]
    public async Task AliceApprovesTheTvOnHerPhone_ItListsHerPhotosWithSizes_NotBobs()
    {
        var session = await SignInOnTheTvAsync("alice");

        var photos = await session.ListPhotosAsync();

        Assert.Equal(
            [new PhotoSummary("Harbour at dusk", PhotoStory.LargerPng.Length), new PhotoSummary("Lighthouse", PhotoStory.SmallPng.Length)],
            photos);
        Assert.Equal("Alice Example", await session.UserNameAsync());
    }

    [Fact]
    public async Task AnHourLater_TheTvRefreshesItsExpiredTokenBeforeCallingTheApi()
    {
        var session = await SignInOnTheTvAsync("alice");
        var before = session.Tokens;

        _tvTime.Advance(TimeSpan.FromHours(1));
        var photos = await session.ListPhotosAsync();

        Assert.Equal(2, photos.Count);
        Assert.NotEqual(before.AccessToken, session.Tokens.AccessToken);
        Assert.NotEqual(before.RefreshToken, session.Tokens.RefreshToken); // rotated
        Assert.True(session.Tokens.ExpiresAt > _tvTime.GetUtcNow());
    }

    [Fact]
    public async Task TheApiRefusesTheAccessToken_TheTvRefreshesOnceAndTriesAgain()
    {
        var tv = NewTv();
        var signedIn = await SignInOnTheTvAsync("alice", tv);
        // A token the TV believes fresh but the API refuses (401), as after a key rotation or an early revocation.
        var refused = signedIn.Tokens with { AccessToken = signedIn.Tokens.AccessToken + "x" };
        var session = new TvSession(_http, await tv.DiscoverAsync(), new TvOptions(_story.Issuer.BaseAddress, _story.Api.BaseAddress), _tvTime, refused);

        var photos = await session.ListPhotosAsync();

        Assert.Equal(2, photos.Count);
        Assert.NotEqual(refused.AccessToken, session.Tokens.AccessToken);
    }

    [Fact]
    public async Task OnExit_TheTvRevokesItsRefreshToken()
    {
        var session = await SignInOnTheTvAsync("alice");
        var refreshToken = session.Tokens.RefreshToken!;

        await session.SignOutAsync();

        using var refresh = await _http.PostAsync(new Uri(_story.Issuer.BaseAddress, "connect/token"), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["client_id"] = "photoprint-tv",
            ["refresh_token"] = refreshToken,
        }));
        Assert.Equal(HttpStatusCode.BadRequest, refresh.StatusCode);
        Assert.Contains("invalid_grant", await refresh.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AliceDenies_TheTvSaysAccessDenied()
    {
        var tv = NewTv();
        var device = await tv.StartAsync();
        var waiting = tv.WaitForApprovalAsync(device);

        await AnswerOnThePhoneAsync(device, "alice", allow: false);

        var refused = await Assert.ThrowsAsync<DeviceSignInException>(() => PollUntilDoneAsync(waiting, device.Interval));
        Assert.Equal("access_denied", refused.Error);
    }

    /// <summary>The TV starts polling (authorization_pending), Alice answers on her phone, the TV's next poll gets tokens.</summary>
    private async Task<TvSession> SignInOnTheTvAsync(string user, DeviceSignIn? tv = null)
    {
        tv ??= NewTv();
        var device = await tv.StartAsync();
        var waiting = tv.WaitForApprovalAsync(device);

        await AnswerOnThePhoneAsync(device, user, allow: true);

        return await PollUntilDoneAsync(waiting, device.Interval);
    }

    private async Task AnswerOnThePhoneAsync(DeviceAuthorization device, string user, bool allow)
    {
        await using var phone = await _browser.NewContextAsync();
        var page = await phone.NewPageAsync();
        await page.GotoAsync(device.VerificationUri);
        await page.Locator("#user-code").FillAsync(device.UserCode);
        await page.Locator("#continue").ClickAsync();
        await Chromium.SignInAsync(page, user);
        await Assertions.Expect(page.Locator("#client-name")).ToHaveTextAsync("PhotoPrint for TV");
        await page.Locator(allow ? "#allow" : "#deny").ClickAsync();
        await Assertions.Expect(page.Locator(allow ? "#device-allowed" : "#device-denied")).ToBeVisibleAsync();
    }

    /// <summary>Moves both clocks one polling interval at a time until the TV's polling has finished.</summary>
    private async Task<T> PollUntilDoneAsync<T>(Task<T> polling, TimeSpan interval)
    {
        for (var step = 0; step < 100 && !polling.IsCompleted; step++)
        {
            _issuerTime.Advance(interval);
            _tvTime.Advance(interval);
            await Task.WhenAny(polling, Task.Delay(TimeSpan.FromMilliseconds(100)));
        }

        return await polling;
    }
}
