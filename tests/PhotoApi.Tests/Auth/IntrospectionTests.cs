using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.Tokens;
using PhotoApi.Auth.Introspection;

namespace PhotoApi.Tests.Auth;

/// <summary>
/// Opaque tokens (RFC 7662) against a loopback issuer, for what a real issuer cannot stage: counted calls, an issuer that
/// goes down, a flood of junk, each client authentication method, signed answers (RFC 9701) and forged ones.
/// </summary>
public sealed class IntrospectionTests : IAsyncLifetime
{
    private IntrospectingIssuer _issuer = null!;
    private TestDatabase _database = null!;
    private ApiHosts _apis = null!;

    public async Task InitializeAsync()
    {
        _issuer = await IntrospectingIssuer.StartAsync();
        _database = await TestDatabase.CreateAsync();
        _apis = new ApiHosts(_issuer.Authority, _database.ConnectionString, new Dictionary<string, string?>
        {
            ["Auth:Introspection:ClientId"] = IntrospectingIssuer.ClientId,
            ["Auth:Introspection:ClientSecret"] = IntrospectingIssuer.ClientSecret,
        });
    }

    public async Task DisposeAsync()
    {
        await _apis.DisposeAsync();
        await _issuer.DisposeAsync();
        await _database.DisposeAsync();
    }

    private PhotoApiFactory Api(IDictionary<string, string?>? settings = null, TimeProvider? time = null) => _apis.Start(settings, time);

    [Fact]
    public async Task OpaqueToken_ActiveAtTheIssuer_ReadsPhotos_AndIsIntrospectedOnce()
    {
        var client = Api().WithToken(_issuer.Issue(scope: "photos.read"));

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/photos")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/photos")).StatusCode);

        Assert.Equal(1, _issuer.Calls);
        Assert.Equal("basic", _issuer.LastClientAuthentication);
    }

    [Fact]
    public async Task OpaqueToken_InactiveAtTheIssuer_Is401InvalidToken()
    {
        var response = await Api().WithToken("not-a-token-the-issuer-knows").GetAsync("/v1/photos");

        await HttpAssert.InvalidToken(response);
    }

    [Fact]
    public async Task IssuerDown_CachedTokensStillServe_UncachedGet503WithRetryAfter()
    {
        var api = Api();
        var seen = api.WithToken(_issuer.Issue());
        Assert.Equal(HttpStatusCode.OK, (await seen.GetAsync("/v1/photos")).StatusCode);
        var unseen = api.WithToken(_issuer.Issue());

        await _issuer.StopListeningAsync();

        Assert.Equal(HttpStatusCode.OK, (await seen.GetAsync("/v1/photos")).StatusCode);
        var refused = await unseen.GetAsync("/v1/photos");
        var problem = await HttpAssert.Problem(refused, HttpStatusCode.ServiceUnavailable);
        Assert.True(refused.Headers.RetryAfter is not null, "503 without Retry-After");
        Assert.Contains("try again", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ThousandRandomOpaqueStrings_CostABoundedNumberOfIntrospectionCalls()
    {
        // The API's clock stands still, so the call budget is not refilled while the flood lasts: the bound is exact.
        var api = Api(time: new FakeTimeProvider(DateTimeOffset.UtcNow));
        var junk = Enumerable.Range(0, 1000).Select(_ => Convert.ToHexString(Guid.NewGuid().ToByteArray())).ToList();

        var statuses = new List<HttpStatusCode>();
        foreach (var token in junk)
        {
            statuses.Add((await api.WithToken(token).GetAsync("/v1/photos")).StatusCode);
        }

        var burst = new IntrospectionCallOptions().Burst;
        Assert.True(_issuer.Calls <= burst, $"{_issuer.Calls} introspection calls for 1,000 junk tokens; the budget is {burst}");
        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.Unauthorized or HttpStatusCode.ServiceUnavailable, $"{s}"));
        // The strings the issuer already refused are remembered (a short negative entry): presenting them again costs no call.
        var calls = _issuer.Calls;
        foreach (var token in junk.Take(burst))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await api.WithToken(token).GetAsync("/v1/photos")).StatusCode);
        }
        Assert.Equal(calls, _issuer.Calls);
    }

    [Fact]
    public async Task ConcurrentRequestsWithOneUncachedToken_ShareOneIntrospectionCall()
    {
        var token = _issuer.Issue();
        var api = Api();
        Assert.Equal(HttpStatusCode.OK, (await api.WithToken(_issuer.Issue()).GetAsync("/v1/photos")).StatusCode); // started, keys fetched
        _issuer.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var before = _issuer.Calls;

        // Each request that reaches the introspection cache counts a miss (photoapi.auth.introspection_cache) before it joins
        // the one call, which the issuer holds until every request has arrived.
        var misses = 0;
        var allArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Name == "photoapi.auth.introspection_cache")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "result" && tag.Value as string == "miss" && Interlocked.Increment(ref misses) >= 20)
                {
                    allArrived.TrySetResult();
                }
            }
        });
        listener.Start();
        var requests = Enumerable.Range(0, 20).Select(_ => api.WithToken(token).GetAsync("/v1/photos")).ToList();
        await allArrived.Task.WaitAsync(TimeSpan.FromSeconds(30));
        for (var waited = Stopwatch.StartNew(); _issuer.Calls == before && waited.Elapsed < TimeSpan.FromSeconds(30);)
        {
            await Task.Delay(10); // the one call is on its way to the issuer, which holds it
        }
        Assert.Equal(before + 1, _issuer.Calls);
        _issuer.Gate.SetResult();
        var responses = await Task.WhenAll(requests);

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(before + 1, _issuer.Calls);
    }

    [Fact]
    public async Task ActiveAnswer_IsNotReusedPastTheTokensExp()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var token = _issuer.Issue(lifetime: TimeSpan.FromSeconds(40), now: clock.GetUtcNow());
        var client = Api(time: clock).WithToken(token);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/photos")).StatusCode);
        _issuer.Revoke(token);

        clock.Advance(TimeSpan.FromSeconds(41)); // past exp, well within the default cache lifetime (1 minute): the issuer is asked again

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/v1/photos")).StatusCode);
        Assert.Equal(2, _issuer.Calls);
    }

    [Theory]
    [InlineData("ClientSecretPost", "post")]
    [InlineData("ClientSecretBasic", "basic")]
    public async Task ClientAuthentication_WithTheSecret_IsWhatTheIssuerSees(string method, string seen)
    {
        var client = Api(new Dictionary<string, string?> { ["Auth:Introspection:ClientAuthentication"] = method }).WithToken(_issuer.Issue());

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/photos")).StatusCode);
        Assert.Equal(seen, _issuer.LastClientAuthentication);
    }

    [Fact]
    public async Task ClientAuthentication_PrivateKeyJwt_SignsAnRfc7523Assertion()
    {
        var keyFile = Path.GetTempFileName();
        await File.WriteAllTextAsync(keyFile, ((ECDsaSecurityKey)_issuer.ClientKey.Key).ECDsa.ExportPkcs8PrivateKeyPem());
        try
        {
            var client = Api(new Dictionary<string, string?>
            {
                ["Auth:Introspection:ClientSecret"] = null,
                ["Auth:Introspection:ClientAuthentication"] = "PrivateKeyJwt",
                ["Auth:Introspection:ClientKeyFile"] = keyFile,
                ["Auth:Introspection:ClientKeyId"] = _issuer.ClientKey.KeyId,
            }).WithToken(_issuer.Issue());

            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/photos")).StatusCode);
            Assert.Equal("private_key_jwt", _issuer.LastClientAuthentication);
        }
        finally
        {
            File.Delete(keyFile);
        }
    }

    [Fact]
    public async Task WrongClientSecret_Is503_NotTheTokensFault()
    {
        var response = await Api(new Dictionary<string, string?> { ["Auth:Introspection:ClientSecret"] = "wrong" }).WithToken(_issuer.Issue()).GetAsync("/v1/photos");

        await HttpAssert.Problem(response, HttpStatusCode.ServiceUnavailable);
    }

    [Fact]
    public async Task SignedAnswer_Rfc9701_IsVerifiedAndAccepted()
    {
        _issuer.SignAnswers = true;
        var client = Api(new Dictionary<string, string?> { ["Auth:Introspection:JwtResponse"] = "true" }).WithToken(_issuer.Issue());

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/photos")).StatusCode);
    }

    [Fact]
    public async Task SignedAnswer_WithAKeyTheIssuerDoesNotPublish_IsNotBelieved()
    {
        _issuer.SignAnswers = true;
        _issuer.AnswerKey = _issuer.SigningKey.Impostor();
        var response = await Api(new Dictionary<string, string?> { ["Auth:Introspection:JwtResponse"] = "true" }).WithToken(_issuer.Issue()).GetAsync("/v1/photos");

        await HttpAssert.Problem(response, HttpStatusCode.ServiceUnavailable);
    }

    [Fact]
    public async Task UnsignedAnswer_WhenSignedOnesAreRequired_IsNotBelieved()
    {
        var response = await Api(new Dictionary<string, string?> { ["Auth:Introspection:JwtResponse"] = "true" }).WithToken(_issuer.Issue()).GetAsync("/v1/photos");

        await HttpAssert.Problem(response, HttpStatusCode.ServiceUnavailable);
    }

    [Theory]
    [InlineData("aud", "another-api")]
    [InlineData("iss", "https://another-issuer.example")]
    [InlineData("token_usage", "refresh_token")]
    [InlineData("token_type", "N_A")]
    public async Task ActiveAnswer_ThatAJwtWouldFailOn_IsRefused(string member, string value)
    {
        var response = await Api().WithToken(_issuer.Issue(members: new Dictionary<string, object?> { [member] = value })).GetAsync("/v1/photos");

        await HttpAssert.InvalidToken(response);
    }

    [Fact]
    public async Task OpaqueToken_BoundToADpopKey_IsRefusedAsBearer()
    {
        var token = _issuer.Issue(members: new Dictionary<string, object?> { ["cnf"] = new Dictionary<string, string> { ["jkt"] = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I" } });

        var response = await Api().WithToken(token).GetAsync("/v1/photos");

        await HttpAssert.Problem(response, HttpStatusCode.Unauthorized); // RFC 9449 §7.2: a bound token is not a Bearer token
        Assert.Contains("DPoP", HttpAssert.BearerChallenge(response)["error_description"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ActiveAnswer_WithoutWriteScope_CannotWrite()
    {
        var response = await Api().WithToken(_issuer.Issue(scope: "photos.read")).PostAsJsonAsync("/v1/photos", new { title = "nope" });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("photos.write", HttpAssert.BearerChallenge(response)["scope"]);
    }

    [Fact]
    public async Task AnswerCache_StaysWithinItsMaxEntries()
    {
        var api = Api(new Dictionary<string, string?>
        {
            ["Auth:IntrospectionCache:MaxEntries"] = "100",
            ["Auth:IntrospectionCalls:Burst"] = "1000",
        }, time: new FakeTimeProvider(DateTimeOffset.UtcNow));

        for (var i = 0; i < 300; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await api.WithToken($"junk{i}-{Guid.NewGuid():N}").GetAsync("/v1/photos")).StatusCode);
        }

        Assert.Equal(300, _issuer.Calls);
        Assert.InRange(api.Services.GetRequiredService<IntrospectionCache>().Count, 1, 100);
    }

    [Fact]
    public async Task IntrospectionCallsAndCacheLookups_AreCounted()
    {
        var measurements = new System.Collections.Concurrent.ConcurrentBag<(string Instrument, string? Issuer, string? Tag)>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == PhotoApi.Auth.AuthMetrics.MeterName && instrument.Name.StartsWith("photoapi.auth.introspection", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, _, tags, _) =>
        {
            string? issuer = null, tag = null;
            foreach (var t in tags)
            {
                if (t.Key == "issuer") { issuer = t.Value as string; }
                if (t.Key is "outcome" or "result") { tag = t.Value as string; }
            }
            measurements.Add((instrument.Name, issuer, tag));
        });
        listener.Start();
        var client = Api().WithToken(_issuer.Issue());

        await client.GetAsync("/v1/photos");
        await client.GetAsync("/v1/photos");

        Assert.Contains(measurements, m => m is ("photoapi.auth.introspections", _, "active") && m.Issuer == _issuer.Authority);
        Assert.Contains(measurements, m => m is ("photoapi.auth.introspection_cache", _, "hit"));
        Assert.Contains(measurements, m => m is ("photoapi.auth.introspection_cache", _, "miss"));
    }

    [Fact]
    public async Task LogLines_NeverContainTheToken()
    {
        var logs = new CapturedLogs();
        var api = Api(new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Trace" });
        api.ConfigureLogging = logging => logging.AddProvider(logs).SetMinimumLevel(LogLevel.Trace);
        var active = _issuer.Issue();
        var junk = "junk-" + Guid.NewGuid().ToString("N");
        await api.WithToken(active).GetAsync("/v1/photos");
        await api.WithToken(junk).GetAsync("/v1/photos");
        await _issuer.StopListeningAsync();
        var unseen = _issuer.Issue();
        await api.WithToken(unseen).GetAsync("/v1/photos");

        Assert.NotEmpty(logs.Lines);
        Assert.DoesNotContain(logs.Lines, line => line.Contains(active, StringComparison.Ordinal) || line.Contains(junk, StringComparison.Ordinal) || line.Contains(unseen, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Startup_RefusesPrivateKeyJwtWithoutAKey()
    {
        var api = Api(new Dictionary<string, string?> { ["Auth:Introspection:ClientAuthentication"] = "PrivateKeyJwt", ["Auth:Introspection:ClientKeyFile"] = "/nonexistent.pem" });

        var error = Assert.ThrowsAny<Exception>(() => api.BaseAddress);
        Assert.Contains("ClientKeyFile", error.ToString(), StringComparison.Ordinal);
    }
}
