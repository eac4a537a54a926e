using Microsoft.Extensions.Time.Testing;
using PhotoApi.Data;

namespace PhotoApi.Tests.Scaling;

/// <summary>
/// No per-process secrets: without Paging__TokenKey and Auth__Dpop__NonceKey, the keys are generated once and kept in
/// PostgreSQL, so page tokens and DPoP nonces from one instance work at every other; rotate-keys adds a key that signs
/// after two refresh intervals while the old one verifies for the overlap. Shipped intervals, a fake clock.
/// </summary>
public sealed class SharedKeyTests
{
    private static readonly TimeSpan RefreshInterval = new SharedKeyOptions().RefreshInterval;
    private static readonly TimeSpan Overlap = new SharedKeyOptions().Overlap;

    private static Dictionary<string, string?> NoConfiguredKeys(Dictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?> { ["Paging:TokenKey"] = null };
        foreach (var (key, value) in more ?? [])
        {
            settings[key] = value;
        }
        return settings;
    }

    [Fact]
    public async Task PageTokenFromOneInstance_WorksAtAnother_EvenWhenBothStartedTogetherOnANewDatabase()
    {
        await using var first = await OwnApi.CreateAsync(NoConfiguredKeys());
        await using var second = new PhotoApiFactory(first.Issuer.Authority, first.Database.ConnectionString, NoConfiguredKeys());
        // Concurrent first starts: both find no key, both try to create one, both must end up with the same.
        await Task.WhenAll(Task.Run(first.Api.StartServer), Task.Run(second.StartServer));
        var token = first.Issuer.Token(ApiFixture.NewSubject("alice"), "photos.read photos.write");
        var atFirst = first.Api.WithToken(token);
        for (var i = 0; i < 3; i++)
        {
            await atFirst.CreatePhotoAsync($"photo {i}");
        }
        var page = await HttpAssert.Ok<JsonElement>(await atFirst.GetAsync("/v1/photos?pageSize=2"));

        var next = await HttpAssert.Ok<JsonElement>(await second.WithToken(token).GetAsync($"/v1/photos?pageSize=2&pageToken={page.GetProperty("nextPageToken").GetString()}"));

        Assert.Equal("photo 0", Assert.Single(next.GetProperty("items").EnumerateArray()).GetProperty("title").GetString());
        Assert.Equal(1L, await first.Database.ScalarAsync<long>("SELECT count(*) FROM shared_keys WHERE purpose = 'paging'"));
    }

    [Fact]
    public async Task DpopNonceFromOneInstance_IsAcceptedByAnother_WithoutANonceKey()
    {
        var settings = NoConfiguredKeys(new() { ["Auth:ResourceUri"] = "https://photos.example", ["Auth:Dpop:RequireNonce"] = "true" });
        await using var first = await OwnApi.CreateAsync(settings);
        await using var second = new PhotoApiFactory(first.Issuer.Authority, first.Database.ConnectionString, settings);
        var key = DpopKey.EC();
        var token = first.Issuer.Token(ApiFixture.NewSubject("alice"), "photos.read", key.Cnf);
        var photos = new Uri("https://photos.example/v1/photos");
        var challenged = await first.Api.Anonymous().SendAsync(DpopProofs.Request(HttpMethod.Get, new Uri(first.Api.BaseAddress, "/v1/photos"), token, key.Proof("GET", photos, token)));
        Assert.Equal("use_dpop_nonce", HttpAssert.DpopChallenge(challenged)["error"]);
        var nonce = challenged.Headers.GetValues("DPoP-Nonce").Single();

        var response = await second.Anonymous().SendAsync(DpopProofs.Request(HttpMethod.Get, new Uri(second.BaseAddress, "/v1/photos"), token, key.Proof("GET", photos, token, nonce: nonce)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task RotatedKey_SignsAfterTwoRefreshIntervals_AndTheOldOneVerifiesForTheOverlapOnly()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var first = await OwnApi.CreateAsync(NoConfiguredKeys(), time: time);
        await using var second = new PhotoApiFactory(first.Issuer.Authority, first.Database.ConnectionString, NoConfiguredKeys(), time: time);
        var token = first.Issuer.Token(ApiFixture.NewSubject("alice"), "photos.read photos.write", lifetime: TimeSpan.FromHours(3));
        var atFirst = first.Api.WithToken(token);
        var atSecond = second.WithToken(token);
        for (var i = 0; i < 2; i++)
        {
            await atFirst.CreatePhotoAsync($"photo {i}");
        }
        var before = await FirstPageTokenAsync(atFirst);

        await first.Api.Services.GetRequiredService<SharedKeys>().RotateAsync(CancellationToken.None);
        await AdvanceAsync(time, RefreshInterval, first.Api, second);

        // Read by both, not signing yet: the same page still gets the same token (same key, same cursor).
        Assert.Equal(before, await FirstPageTokenAsync(atFirst));
        await AdvanceAsync(time, RefreshInterval, first.Api, second);
        var after = await FirstPageTokenAsync(atFirst);
        Assert.NotEqual(before, after);
        Assert.Equal(HttpStatusCode.OK, (await atSecond.GetAsync($"/v1/photos?pageSize=1&pageToken={after}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await atSecond.GetAsync($"/v1/photos?pageSize=1&pageToken={before}")).StatusCode);

        await AdvanceAsync(time, Overlap, first.Api, second);

        await HttpAssert.Problem(await atSecond.GetAsync($"/v1/photos?pageSize=1&pageToken={before}"), HttpStatusCode.BadRequest);
        await HttpAssert.Problem(await atFirst.GetAsync($"/v1/photos?pageSize=1&pageToken={before}"), HttpStatusCode.BadRequest);
        Assert.Equal(HttpStatusCode.OK, (await atSecond.GetAsync($"/v1/photos?pageSize=1&pageToken={after}")).StatusCode);
    }

    [Fact]
    public async Task RotateKeysCommand_AddsTheNextVersionOfEveryKey_AndExits()
    {
        await using var database = await TestDatabase.CreateAsync();
        await database.ExecuteAsync("INSERT INTO shared_keys (purpose, version, secret, created_at) VALUES ('paging', 1, '\\x00', now())");

        using var process = ApiProcess.Start(new Dictionary<string, string> { ["ConnectionStrings__Photos"] = database.ConnectionString }, "rotate-keys");
        await process.WaitForExitAsync();

        Assert.Equal(0, process.ExitCode);
        Assert.Equal(2, await database.ScalarAsync<int>("SELECT max(version) FROM shared_keys WHERE purpose = 'paging'"));
        Assert.Equal(1, await database.ScalarAsync<int>("SELECT max(version) FROM shared_keys WHERE purpose = 'dpop-nonce'"));
    }

    private static async Task<string> FirstPageTokenAsync(HttpClient client) =>
        (await HttpAssert.Ok<JsonElement>(await client.GetAsync("/v1/photos?pageSize=1"))).GetProperty("nextPageToken").GetString()!;

    // Lets the fake clock pass, then waits (not timed) until every instance's refresher has re-read the keys at the new time.
    private static async Task AdvanceAsync(FakeTimeProvider time, TimeSpan by, params PhotoApiFactory[] apis)
    {
        time.Advance(by);
        var now = time.GetUtcNow();
        for (var attempt = 0; apis.Any(api => api.Services.GetRequiredService<SharedKeys>().LastRefresh < now); attempt++)
        {
            Assert.True(attempt < 300, "The shared keys were not re-read after the refresh interval.");
            await Task.Delay(20);
        }
    }
}
