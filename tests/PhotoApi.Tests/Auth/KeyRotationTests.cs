using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace PhotoApi.Tests.Auth;

/// <summary>
/// Key rotation and key loss with the shipped settings (refresh hourly, 30 s per kid, 1 s between any two on-demand fetches,
/// keys trusted 24 h without the issuer, cache entries at most 5 min): no interval is shortened; a fake clock lets time pass.
/// Tokens live 3 h so that the fake clock, which only moves forward, never outruns them.
/// </summary>
public sealed class KeyRotationTests : IAsyncLifetime
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromHours(3);
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly CapturedLogs _logs = new();
    private OwnApi _own = null!;

    public async Task InitializeAsync()
    {
        _own = await OwnApi.CreateAsync(key: SigningKey.Rsa("key-2025"), time: _time);
        _own.Api.ConfigureLogging = logging => logging.AddProvider(_logs);
        _own.Api.StartServer();
        // The warm-up fetch is scheduled work; wait for it so the stories start from "keys held".
        Assert.True(await EventuallyAsync(() => Task.FromResult(_own.Issuer.RequestCount("/jwks") >= 1)), "the API never fetched the issuer's keys");
    }

    public async Task DisposeAsync() => await _own.DisposeAsync();

    private string Token(SigningKey? key = null, IDictionary<string, object?>? header = null) =>
        _own.Issuer.Token(ApiFixture.NewSubject("alice"), key: key, header: header, lifetime: Lifetime);

    private async Task<HttpStatusCode> GetPhotosAsync(string token) => (await _own.Api.WithToken(token).GetAsync("/v1/photos")).StatusCode;

    [Fact]
    public async Task KeyRotatedOneSecondAfterStartUp_IsAcceptedOnItsFirstRequest()
    {
        var rotated = SigningKey.EC("key-2026");
        _own.Issuer.PublishedKeys.Add(rotated);
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(HttpStatusCode.OK, await GetPhotosAsync(Token(rotated)));
    }

    [Fact]
    public async Task JunkKids_CannotKeepAGenuineRotationOutForLong()
    {
        // An attacker sends a junk kid: one on-demand fetch.
        var fetches = _own.Issuer.RequestCount("/jwks");
        Assert.Equal(HttpStatusCode.Unauthorized, await GetPhotosAsync(Token(header: new Dictionary<string, object?> { ["kid"] = "junk-1" })));
        Assert.Equal(fetches + 1, _own.Issuer.RequestCount("/jwks"));

        // The same junk kid again, at once and 29 s later: not fetched again (per-kid limit); another junk kid within 1 s: not fetched (global cap).
        Assert.Equal(HttpStatusCode.Unauthorized, await GetPhotosAsync(Token(header: new Dictionary<string, object?> { ["kid"] = "junk-1" })));
        Assert.Equal(HttpStatusCode.Unauthorized, await GetPhotosAsync(Token(header: new Dictionary<string, object?> { ["kid"] = "junk-2" })));
        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(HttpStatusCode.Unauthorized, await GetPhotosAsync(Token(header: new Dictionary<string, object?> { ["kid"] = "junk-1" })));
        Assert.Equal(fetches + 1, _own.Issuer.RequestCount("/jwks"));

        // The issuer rotates right after the attacker's last fetch; the genuine kid is fetched on its first request.
        var rotated = SigningKey.Rsa("key-2026");
        _own.Issuer.PublishedKeys.Add(rotated);
        _own.Issuer.CurrentKey = rotated;
        Assert.Equal(HttpStatusCode.OK, await GetPhotosAsync(Token()));
    }

    [Fact]
    public async Task TokenWithoutKid_SignedByARotatedKey_IsAcceptedOnItsFirstRequest()
    {
        var rotated = SigningKey.EC("key-without-kid");
        _own.Issuer.PublishedKeys.Add(rotated);

        Assert.Equal(HttpStatusCode.OK, await GetPhotosAsync(Token(rotated, header: new Dictionary<string, object?> { ["kid"] = null })));
    }

    [Fact]
    public async Task KeyReplacedUnderTheSameKid_StopsCachedTokens()
    {
        var token = Token();
        Assert.Equal(HttpStatusCode.OK, await GetPhotosAsync(token));
        Assert.Equal(HttpStatusCode.OK, await GetPhotosAsync(token)); // now served from the cache

        // The issuer replaces the key material but keeps the kid; any fetch (here one caused by an unknown kid) shows it.
        var replacement = _own.Issuer.CurrentKey.Impostor();
        _own.Issuer.PublishedKeys.Clear();
        _own.Issuer.PublishedKeys.Add(replacement);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.Unauthorized, await GetPhotosAsync(Token(header: new Dictionary<string, object?> { ["kid"] = "unknown" })));

        Assert.Equal(HttpStatusCode.Unauthorized, await GetPhotosAsync(token));
        _own.Issuer.CurrentKey = replacement;
        Assert.Equal(HttpStatusCode.OK, await GetPhotosAsync(Token()));
    }

    [Fact]
    public async Task WithdrawnKey_IsRefusedAfterTheHourlyRefresh_CachedOrNot()
    {
        var oldKey = _own.Issuer.CurrentKey;
        var oldToken = Token();
        Assert.Equal(HttpStatusCode.OK, await GetPhotosAsync(oldToken)); // validated, then cached

        var newKey = SigningKey.EC("key-2026");
        _own.Issuer.PublishedKeys.Add(newKey);
        _own.Issuer.CurrentKey = newKey;
        Assert.Equal(HttpStatusCode.OK, await GetPhotosAsync(Token()));  // first sight of the new key
        _own.Issuer.PublishedKeys.Remove(oldKey);
        Assert.Equal(HttpStatusCode.OK, await GetPhotosAsync(oldToken)); // the API has not read the JWKS since

        await AdvanceUntilFetchedAsync(TimeSpan.FromHours(1));

        Assert.Equal(HttpStatusCode.Unauthorized, await GetPhotosAsync(oldToken));
        Assert.Equal(HttpStatusCode.Unauthorized, await GetPhotosAsync(Token(oldKey)));
        Assert.Equal(HttpStatusCode.OK, await GetPhotosAsync(Token()));
    }

    [Fact]
    public async Task JwksWithNoUsableKey_FailsClosed_AtTheNextScheduledRefresh()
    {
        var token = Token();
        Assert.Equal(HttpStatusCode.OK, await GetPhotosAsync(token));

        // The issuer now publishes only a key that may not verify anything; the hourly refresh reads it.
        _own.Issuer.PublishedKeys.Clear();
        _own.Issuer.PublishedKeys.Add(SigningKey.Rsa("encryption-only").With(jwk: ("use", "enc")));
        await AdvanceUntilFetchedAsync(TimeSpan.FromHours(1));

        var refused = await _own.Api.WithToken(token).GetAsync("/v1/photos");
        await HttpAssert.Problem(refused, HttpStatusCode.Unauthorized);
        Assert.Equal("The access token is signed with an unknown key.", HttpAssert.BearerChallenge(refused)["error_description"]);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await _own.Api.Anonymous().GetAsync("/health/ready")).StatusCode);
        Assert.Contains(_logs.Lines, l => l.StartsWith("Error", StringComparison.Ordinal) && l.Contains("no usable signing keys", StringComparison.Ordinal));
    }

    [Fact]
    public async Task IssuerUnreachable_CachedKeysServe24Hours_ThenTokensGet503()
    {
        var token = Token();
        Assert.Equal(HttpStatusCode.OK, await GetPhotosAsync(token));
        await _own.Issuer.StopListeningAsync();

        _time.Advance(TimeSpan.FromHours(23) + TimeSpan.FromMinutes(59));
        Assert.Equal(HttpStatusCode.OK, await GetPhotosAsync(Token()));

        _time.Advance(TimeSpan.FromMinutes(2));
        var late = await _own.Api.WithToken(token).GetAsync("/v1/photos");
        await HttpAssert.Problem(late, HttpStatusCode.ServiceUnavailable);
        Assert.NotNull(late.Headers.RetryAfter);
        Assert.Contains(_logs.Lines, l => l.StartsWith("Error", StringComparison.Ordinal) && l.Contains("older than Auth__KeyMaxAge", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CachedValidation_LivesAtMostFiveMinutes()
    {
        using var validations = new TokenValidationOutcomes(_own.Issuer.Authority);
        var token = Token();

        await GetPhotosAsync(token);
        await GetPhotosAsync(token);
        _time.Advance(TimeSpan.FromMinutes(4) + TimeSpan.FromSeconds(59));
        await GetPhotosAsync(token);
        _time.Advance(TimeSpan.FromSeconds(2));
        await GetPhotosAsync(token);

        Assert.Equal(["validated", "cached", "cached", "validated"], validations.ToArray());
    }

    // The hourly timer fires when the fake clock passes it; the refresher may still be setting its timer up, so step until
    // a fetch has been applied (photoapi.auth.key_fetches is counted once the fetched keys are in use, or the fetch failed).
    private async Task AdvanceUntilFetchedAsync(TimeSpan step)
    {
        var fetches = 0;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Name == "photoapi.auth.key_fetches")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "issuer" && tag.Value as string == _own.Issuer.Authority)
                {
                    Interlocked.Increment(ref fetches);
                }
            }
        });
        listener.Start();
        Assert.True(await EventuallyAsync(() =>
        {
            _time.Advance(step);
            return Task.FromResult(Volatile.Read(ref fetches) > 0);
        }), "no scheduled key refresh happened");
    }

    private static async Task<bool> EventuallyAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 50; i++)
        {
            if (await condition())
            {
                return true;
            }
            await Task.Delay(100);
        }
        return false;
    }
}
