using System.Text.RegularExpressions;
using Microsoft.Extensions.Time.Testing;

namespace PhotoApi.DevIssuer.Tests;

/// <summary>
/// The device authorization grant (RFC 8628): a TV asks for codes, shows the user code, and polls while the user
/// answers on a phone. The issuer's clock is a fake one, so polling intervals and expiry are exact, not waited for.
/// </summary>
public sealed partial class DeviceFlowTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private DevIssuerHost _host = null!;

    public Task InitializeAsync()
    {
        _host = DevIssuerHost.With(time: _time);
        _host.StartServer();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task DeviceAuthorization_GivesCodesVerificationUrisExpiryAndInterval()
    {
        using var tokens = _host.NewTokenClient();

        var device = await tokens.AuthorizeDeviceAsync(Client.Tv, "photos.read offline_access");

        Assert.Equal(HttpStatusCode.OK, device.Status);
        Assert.False(string.IsNullOrEmpty(device.Get("device_code")));
        Assert.Matches(UserCodeShape(), device.Get("user_code"));
        Assert.Equal(_host.Issuer + "connect/verify", device.Get("verification_uri"));
        Assert.StartsWith(_host.Issuer + "connect/verify?user_code=", device.Get("verification_uri_complete"), StringComparison.Ordinal);
        Assert.InRange(device.Number("expires_in")!.Value, 599, 600); // 10 minutes, rounded down by OpenIddict
        Assert.Equal(5, device.Number("interval"));
    }

    [Fact]
    public async Task Polling_BeforeTheUserAnswers_IsAuthorizationPending()
    {
        using var tokens = _host.NewTokenClient();
        var device = await tokens.AuthorizeDeviceAsync(Client.Tv, "photos.read");

        var poll = await tokens.PollAsync(Client.Tv, device.Get("device_code")!);

        poll.AssertError(HttpStatusCode.BadRequest, "authorization_pending");
    }

    [Fact]
    public async Task Polling_FasterThanTheInterval_IsSlowDown_AndTheIntervalGrowsByFiveSeconds()
    {
        using var tokens = _host.NewTokenClient();
        var deviceCode = (await tokens.AuthorizeDeviceAsync(Client.Tv, "photos.read")).Get("device_code")!;
        await tokens.PollAsync(Client.Tv, deviceCode);

        _time.Advance(TimeSpan.FromSeconds(4));
        var tooSoon = await tokens.PollAsync(Client.Tv, deviceCode);
        _time.Advance(TimeSpan.FromSeconds(9)); // 5 s would have been enough before; now it takes 10.
        var stillTooSoon = await tokens.PollAsync(Client.Tv, deviceCode);
        _time.Advance(TimeSpan.FromSeconds(15));
        var onTime = await tokens.PollAsync(Client.Tv, deviceCode);

        Assert.Equal("slow_down", tooSoon.Error);
        Assert.Contains("10 seconds", tooSoon.ErrorDescription, StringComparison.Ordinal);
        Assert.Equal("slow_down", stillTooSoon.Error);
        Assert.Equal("authorization_pending", onTime.Error);
    }

    [Fact]
    public async Task UserAllowsOnThePhone_TheDeviceGetsTokensForThatUser()
    {
        using var tokens = _host.NewTokenClient();
        using var phone = _host.NewBrowser();
        var device = await tokens.AuthorizeDeviceAsync(Client.Tv, "openid profile photos.read offline_access");

        var done = await phone.AnswerDeviceAsync(device.Get("verification_uri_complete")!, "bob");
        var poll = (await tokens.PollAsync(Client.Tv, device.Get("device_code")!)).EnsureTokens();

        Assert.Contains("id=\"device-allowed\"", done.Html, StringComparison.Ordinal);
        var jwt = Jwt.Decode(poll.AccessToken!);
        Assert.Equal("bob", jwt.Claim("sub"));
        Assert.Equal("photoprint-tv", jwt.Claim("client_id"));
        Assert.Equal("Bob Example", jwt.Claim("name"));
        Assert.Contains("photos.read", jwt.Claim("scope")!.Split(' '));
        Assert.NotNull(poll.RefreshToken);
        Assert.NotNull(poll.IdToken);
    }

    [Fact]
    public async Task ConsentPage_NamesTheDeviceAppAndWhatItWants()
    {
        using var tokens = _host.NewTokenClient();
        using var phone = _host.NewBrowser();
        var device = await tokens.AuthorizeDeviceAsync(Client.Tv, "photos.read offline_access");
        var login = await phone.FollowAsync(await phone.OpenAsync(device.Get("verification_uri_complete")!));

        var consent = await phone.FollowAsync(await phone.SignInAsync(login, "alice"));

        Assert.Contains("<strong id=\"client-name\">PhotoPrint for TV</strong> wants to:", consent.Html, StringComparison.Ordinal);
        Assert.Contains(">view your photos</li>", consent.Html, StringComparison.Ordinal);
        Assert.Contains(">keep access when you are not using it</li>", consent.Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TypingTheUserCode_OnTheVerificationPage_LeadsToTheSameConsent()
    {
        using var tokens = _host.NewTokenClient();
        using var phone = _host.NewBrowser();
        var device = await tokens.AuthorizeDeviceAsync(Client.Tv, "photos.read");
        var blank = await phone.OpenAsync(device.Get("verification_uri")!);

        // The page's form is a GET with the code as user_code, typed in lower case without the dash.
        var typed = device.Get("user_code")!.Replace("-", "", StringComparison.Ordinal).ToLowerInvariant();
        var done = await phone.AnswerDeviceAsync($"connect/verify?user_code={typed}");
        var poll = await tokens.PollAsync(Client.Tv, device.Get("device_code")!);

        Assert.Contains("""<input type="text" id="user-code" name="user_code" """, blank.Html, StringComparison.Ordinal);
        Assert.Contains("id=\"device-allowed\"", done.Html, StringComparison.Ordinal);
        Assert.Equal("alice", Jwt.Decode(poll.EnsureTokens().AccessToken!).Claim("sub"));
    }

    [Fact]
    public async Task UserDenies_TheDeviceGetsAccessDenied()
    {
        using var tokens = _host.NewTokenClient();
        using var phone = _host.NewBrowser();
        var device = await tokens.AuthorizeDeviceAsync(Client.Tv, "photos.read");

        var done = await phone.AnswerDeviceAsync(device.Get("verification_uri_complete")!, allow: false);
        var poll = await tokens.PollAsync(Client.Tv, device.Get("device_code")!);

        Assert.Contains("id=\"device-denied\"", done.Html, StringComparison.Ordinal);
        Assert.Equal("access_denied", poll.Error);
        Assert.Null(poll.AccessToken);
    }

    [Fact]
    public async Task NobodyAnswersInTenMinutes_TheDeviceGetsExpiredToken()
    {
        using var tokens = _host.NewTokenClient();
        var device = await tokens.AuthorizeDeviceAsync(Client.Tv, "photos.read");

        _time.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(31)); // past the lifetime and OpenIddict's clock skew
        var poll = await tokens.PollAsync(Client.Tv, device.Get("device_code")!);

        Assert.Equal("expired_token", poll.Error);
    }

    [Fact]
    public async Task ApprovedDeviceCode_WorksOnce()
    {
        using var tokens = _host.NewTokenClient();
        using var phone = _host.NewBrowser();
        var device = await tokens.AuthorizeDeviceAsync(Client.Tv, "photos.read");
        await phone.AnswerDeviceAsync(device.Get("verification_uri_complete")!);
        (await tokens.PollAsync(Client.Tv, device.Get("device_code")!)).EnsureTokens();

        _time.Advance(TimeSpan.FromSeconds(5));
        var again = await tokens.PollAsync(Client.Tv, device.Get("device_code")!);

        again.AssertError(HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task WrongUserCode_AsksAgainWithoutEchoingIt()
    {
        using var phone = _host.NewBrowser();
        var login = await phone.FollowAsync(await phone.OpenAsync("connect/verify?user_code=ZZZZ-QQQQ"));
        var page = await phone.FollowAsync(await phone.SignInAsync(login, "alice"));

        Assert.Equal(HttpStatusCode.BadRequest, page.Status);
        Assert.Contains("id=\"code-error\"", page.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("ZZZZ", page.Html, StringComparison.Ordinal);
        Assert.False(page.IsConsentPage);
    }

    [Fact]
    public async Task DeviceRequest_ForAScopeTheClientMayNotUse_IsInvalidScope()
    {
        using var tokens = _host.NewTokenClient();

        var device = await tokens.AuthorizeDeviceAsync(Client.Tv, "photos.read photos.write");

        device.AssertError(HttpStatusCode.BadRequest, "invalid_scope");
    }

    [Fact]
    public async Task ClientWithoutTheDeviceGrant_IsRefusedAtTheDeviceEndpoint()
    {
        using var tokens = _host.NewTokenClient();

        var device = await tokens.AuthorizeDeviceAsync(Client.PhotoPrint, "photos.read");

        device.AssertError(HttpStatusCode.BadRequest, "unauthorized_client");
    }

    [Fact]
    public async Task DeviceTokens_Refresh()
    {
        using var tokens = _host.NewTokenClient();
        using var phone = _host.NewBrowser();
        var device = await tokens.AuthorizeDeviceAsync(Client.Tv, "photos.read offline_access");
        await phone.AnswerDeviceAsync(device.Get("verification_uri_complete")!);
        var first = (await tokens.PollAsync(Client.Tv, device.Get("device_code")!)).EnsureTokens();

        var refreshed = (await tokens.RefreshAsync(Client.Tv, first.RefreshToken!)).EnsureTokens();

        Assert.Equal("alice", Jwt.Decode(refreshed.AccessToken!).Claim("sub"));
    }

    [GeneratedRegex("^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$")]
    private static partial Regex UserCodeShape();
}
