using System.Diagnostics;
using Xunit.Abstractions;

namespace PhotoApi.Tests.Resilience;

/// <summary>
/// The issuer stops answering or hangs, with the API running, and the shipped key settings. Real faults: the loopback issuer stops
/// listening (connection refused) or accepts connections and never answers.
/// </summary>
[Trait("Category", "Resilience")]
[Collection(ResilienceCollection.Name)]
public sealed class IssuerResilienceTests(ITestOutputHelper output) : IAsyncLifetime
{
    private OwnApi _own = null!;

    public async Task InitializeAsync()
    {
        _own = await OwnApi.CreateAsync(key: SigningKey.Rsa("key-2025"));
    }

    public async Task DisposeAsync() => await _own.DisposeAsync();

    private Task<HttpResponseMessage> GetPhotosAsync(string token) => _own.Api.WithToken(token).GetAsync("/v1/photos");

    [Theory]
    [InlineData("refuses connections")]
    [InlineData("hangs")]
    public async Task IssuerOutage_CachedKeysKeepWorking_UnknownKidFailsFast_AndKeysArePickedUpWhenItReturns(string fault)
    {
        var knownToken = _own.Issuer.Token("alice");
        Assert.Equal(HttpStatusCode.OK, (await GetPhotosAsync(knownToken)).StatusCode);
        var fetchesBefore = _own.Issuer.RequestCount("/jwks");

        if (fault == "hangs")
        {
            _own.Issuer.Fault = IssuerFault.Hang;
        }
        else
        {
            await _own.Issuer.StopListeningAsync();
        }
        var rotated = SigningKey.EC("key-during-outage");
        _own.Issuer.PublishedKeys.Add(rotated);

        // Cached keys keep serving during the outage (for Auth__KeyMaxAge: KeyRotationTests lets 24 h pass on a fake clock).
        for (var i = 0; i < 4; i++)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            Assert.Equal(HttpStatusCode.OK, (await GetPhotosAsync(knownToken)).StatusCode);
        }

        // A burst of tokens with a kid the API has never seen: all answered 401, quickly, with at most a couple of fetches.
        var unknown = _own.Issuer.Token("alice", key: rotated);
        var clock = Stopwatch.StartNew();
        var answers = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => GetPhotosAsync(unknown)));
        var burst = clock.Elapsed;
        output.WriteLine($"Issuer {fault}: 50 concurrent unknown-kid requests answered in {burst.TotalMilliseconds:0} ms.");

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Unauthorized, a.StatusCode));
        Assert.All(answers, a => Assert.Equal("The access token is signed with an unknown key.", HttpAssert.BearerChallenge(a)["error_description"]));
        Assert.True(burst < TimeSpan.FromSeconds(5), $"the burst took {burst}: requests piled up behind the key fetch");
        if (fault == "hangs")
        {
            // Each attempt is one discovery request that hangs until the 3 s timeout; one fetch at a time, 1 s apart at least.
            Assert.InRange(_own.Issuer.RequestCount("/.well-known/openid-configuration") - 1, 1, 12);
        }

        // The issuer comes back: the rotated key is picked up without a restart.
        _own.Issuer.Fault = IssuerFault.None;
        if (fault != "hangs")
        {
            await _own.Issuer.ResumeAsync();
        }
        var recovered = await EventuallyAsync(async () => (await GetPhotosAsync(unknown)).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(10));
        Assert.True(recovered, "the API did not pick up the issuer's keys after it came back");
        Assert.True(_own.Issuer.RequestCount("/jwks") > fetchesBefore);
    }

    [Fact]
    public async Task ApiStartsWhileTheIssuerIsDown_NotReadyUntilKeysCanBeFetched()
    {
        await _own.Issuer.StopListeningAsync();
        await using var api = new PhotoApiFactory(_own.Issuer.Authority, _own.Database.ConnectionString);
        var anonymous = api.Anonymous(); // starts the API

        var ready = await anonymous.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal("Unhealthy", JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement.GetProperty("checks").GetProperty("issuer-keys").GetString());
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health/live")).StatusCode);
        var early = await api.WithToken(_own.Issuer.Token("alice")).GetAsync("/v1/photos");
        await HttpAssert.Problem(early, HttpStatusCode.ServiceUnavailable);
        Assert.NotNull(early.Headers.RetryAfter);

        await _own.Issuer.ResumeAsync();

        Assert.True(await EventuallyAsync(async () => (await anonymous.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(10)),
            "the API never became ready after the issuer came back");
        Assert.Equal(HttpStatusCode.OK, (await api.WithToken(_own.Issuer.Token("alice")).GetAsync("/v1/photos")).StatusCode);
    }

    private static async Task<bool> EventuallyAsync(Func<Task<bool>> condition, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return true;
            }
            await Task.Delay(200);
        }
        return false;
    }
}
