using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PhotoApi.Auth;

namespace PhotoApi.Tests.Auth;

/// <summary>
/// The in-process DPoP replay cache under more proofs than its bound holds (RFC 9449 §11.1): it keeps accepting fresh proofs,
/// stays within its bound, and never accepts a proof it may have forgotten. Each proof's window is the shipped minute; a
/// fake clock moves 50 ms per proof, so 1,000 entries (the smallest bound the options allow) hold 50 s of proofs.
/// </summary>
public sealed class DpopReplayCacheTests
{
    private const int Bound = 1000;
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(50);
    private const string Thumbprint = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly InProcessDpopReplayCache _cache;

    public DpopReplayCacheTests()
    {
        var options = new AuthOptions();
        options.Dpop.ReplayCacheMaxEntries = Bound;
        _cache = new InProcessDpopReplayCache(Options.Create(options), _time);
    }

    // A proof made now (iat in whole seconds, as in a JWT) is remembered until its iat plus the window.
    private DateTimeOffset WindowEnd() => DateTimeOffset.FromUnixTimeSeconds(_time.GetUtcNow().ToUnixTimeSeconds()) + Window;

    private async Task<ReplayCheck> UseNewProofAsync(string jti)
    {
        _time.Advance(Step);
        return await _cache.TryUseAsync(Thumbprint, jti, WindowEnd());
    }

    [Fact]
    public async Task MoreLiveProofsThanTheBound_AreAllAccepted_AndTheCacheStaysWithinIt()
    {
        for (var i = 0; i < 3 * Bound; i++)
        {
            Assert.Equal(ReplayCheck.New, await UseNewProofAsync($"proof-{i}"));
            Assert.InRange(_cache.Count, 1, Bound);
        }
        Assert.NotEqual(DateTimeOffset.MinValue, _cache.ForgottenThrough);
    }

    [Fact]
    public async Task ProofForgottenToMakeRoom_IsRefusedAsTooOld_NeverAcceptedAgain()
    {
        var firstWindowEnd = WindowEnd();
        Assert.Equal(ReplayCheck.New, await _cache.TryUseAsync(Thumbprint, "first", firstWindowEnd));
        for (var i = 0; _cache.ForgottenThrough < firstWindowEnd; i++)
        {
            Assert.Equal(ReplayCheck.New, await UseNewProofAsync($"proof-{i}"));
        }

        // Still inside its own minute, so without the mark the replay would be accepted as new.
        Assert.True(_time.GetUtcNow() < firstWindowEnd);
        Assert.Equal(ReplayCheck.TooOld, await _cache.TryUseAsync(Thumbprint, "first", firstWindowEnd));
    }

    [Fact]
    public async Task RecentProof_IsStillAReplay_AfterOlderOnesWereForgotten()
    {
        for (var i = 0; _cache.ForgottenThrough == DateTimeOffset.MinValue; i++)
        {
            Assert.Equal(ReplayCheck.New, await UseNewProofAsync($"proof-{i}"));
        }
        var recent = WindowEnd();
        Assert.Equal(ReplayCheck.New, await _cache.TryUseAsync(Thumbprint, "recent", recent));

        Assert.Equal(ReplayCheck.Replayed, await _cache.TryUseAsync(Thumbprint, "recent", recent));
    }

    [Fact]
    public async Task ExpiredProofs_MakeRoom_BeforeAnyLiveOneIsForgotten()
    {
        for (var i = 0; i < Bound - 100; i++)
        {
            Assert.Equal(ReplayCheck.New, await UseNewProofAsync($"old-{i}"));
        }
        _time.Advance(Window + TimeSpan.FromSeconds(1));

        for (var i = 0; i < Bound - 100; i++)
        {
            Assert.Equal(ReplayCheck.New, await UseNewProofAsync($"new-{i}"));
        }
        Assert.Equal(DateTimeOffset.MinValue, _cache.ForgottenThrough);
    }
}

/// <summary>
/// The same over HTTP: an API whose replay cache holds 1,000 proofs (Auth__Dpop__ReplayCacheMaxEntries) answers 1,100 fresh
/// DPoP requests within one minute (before this cache forgot its oldest entries, the 1,001st got 503), and the first proof,
/// replayed, is still refused.
/// </summary>
public sealed class DpopReplayCacheBoundTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly DpopKey _key = DpopKey.EC();
    private OwnApi _own = null!;

    public async Task InitializeAsync() => _own = await OwnApi.CreateAsync(new Dictionary<string, string?> { ["Auth:Dpop:ReplayCacheMaxEntries"] = "1000" }, time: _time);

    public async Task DisposeAsync() => await _own.DisposeAsync();

    [Fact]
    public async Task MoreFreshProofsThanTheCacheHolds_AreAnswered_AndTheFirstStillCannotBeReplayed()
    {
        var photos = new Uri(_own.Api.BaseAddress, "/v1/photos");
        var token = _own.Issuer.Token(ApiFixture.NewSubject("alice"), "photos.read", _key.Cnf, lifetime: TimeSpan.FromHours(3));
        var client = _own.Api.Anonymous();
        var first = _key.Proof("GET", photos, token, issuedAt: _time.GetUtcNow());
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(DpopProofs.Request(HttpMethod.Get, photos, token, first))).StatusCode);

        for (var i = 0; i < 1100; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(50));
            var proof = _key.Proof("GET", photos, token, issuedAt: _time.GetUtcNow());
            using var response = await client.SendAsync(DpopProofs.Request(HttpMethod.Get, photos, token, proof));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using var replay = await client.SendAsync(DpopProofs.Request(HttpMethod.Get, photos, token, first));
        await HttpAssert.Problem(replay, HttpStatusCode.Unauthorized);
        Assert.Equal("invalid_dpop_proof", HttpAssert.DpopChallenge(replay)["error"]);
    }
}
