using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace PhotoApi.Tests.Scaling;

/// <summary>
/// Rate limits with ConnectionStrings__Redis: two instances draw from one budget per caller and per address, so a caller
/// gets the same limit from one instance or many. Redis down: each instance goes on limiting by itself (fail open), warns and counts it.
/// </summary>
public sealed class SharedRateLimitTests
{
    private static Dictionary<string, string?> Settings(RedisServer redis, string permits = "1000000", string anonymous = "1000000", string address = "1000000") => new()
    {
        ["ConnectionStrings:Redis"] = redis.Configuration,
        ["RateLimits:PermitsPerWindow"] = permits,
        ["RateLimits:AnonymousPermitsPerWindow"] = anonymous,
        ["RateLimits:AddressPermitsPerWindow"] = address,
        ["RateLimits:Window"] = "00:10:00",
    };

    [Fact]
    public async Task UserLimit_IsOneBudgetAcrossInstances()
    {
        // Shared Redis: the subject is new, so is its bucket.
        await using var first = await OwnApi.CreateAsync(Settings(RedisServer.Shared, permits: "4"));
        await using var second = new PhotoApiFactory(first.Issuer.Authority, first.Database.ConnectionString, Settings(RedisServer.Shared, permits: "4"));
        var subject = ApiFixture.NewSubject("alice");
        var atFirst = first.Api.WithToken(first.Issuer.Token(subject));
        var atSecond = second.WithToken(first.Issuer.Token(subject));
        Assert.Equal(HttpStatusCode.OK, (await atFirst.GetAsync("/v1/photos")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await atSecond.GetAsync("/v1/photos")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await atFirst.GetAsync("/v1/photos")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await atSecond.GetAsync("/v1/photos")).StatusCode);

        var limited = await atFirst.GetAsync("/v1/photos");

        await HttpAssert.Problem(limited, HttpStatusCode.TooManyRequests);
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await atSecond.GetAsync("/v1/photos")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await second.WithToken(first.Issuer.Token(ApiFixture.NewSubject("bob"))).GetAsync("/v1/photos")).StatusCode);
    }

    [Fact]
    public async Task AddressLimit_BeforeAuthentication_IsOneBudgetAcrossInstances()
    {
        // Every test calls from 127.0.0.1: a Redis of its own, so this bucket is this test's alone.
        await using var redis = await RedisServer.StartOwnAsync();
        await using var first = await OwnApi.CreateAsync(Settings(redis, address: "3"));
        await using var second = new PhotoApiFactory(first.Issuer.Authority, first.Database.ConnectionString, Settings(redis, address: "3"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await first.Api.Anonymous().GetAsync("/v1/photos")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await second.Anonymous().GetAsync("/v1/photos")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await first.Api.WithToken(first.Issuer.Token(ApiFixture.NewSubject("carol"))).GetAsync("/v1/photos")).StatusCode);

        var limited = await second.WithToken(first.Issuer.Token(ApiFixture.NewSubject("dave"))).GetAsync("/v1/photos");

        await HttpAssert.Problem(limited, HttpStatusCode.TooManyRequests);
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal(HttpStatusCode.OK, (await second.Anonymous().GetAsync("/health/live")).StatusCode);
    }

    [Fact]
    public async Task RedisDown_EachInstanceLimitsByItself_WithOneWarningAndAMetric()
    {
        await using var redis = await RedisServer.StartOwnAsync();
        await using var api = await OwnApi.CreateAsync(Settings(redis, permits: "3"));
        var logs = new CapturedLogs();
        api.Api.ConfigureLogging = logging => logging.AddProvider(logs);
        var failures = 0L;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "PhotoApi" && instrument.Name == "photoapi.redis.failures")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            if (tags.ToArray().Any(t => t.Key == "use" && (string?)t.Value == "rate_limit"))
            {
                Interlocked.Add(ref failures, value);
            }
        });
        listener.Start();
        var alice = api.Api.WithToken(api.Issuer.Token(ApiFixture.NewSubject("alice")));
        Assert.Equal(HttpStatusCode.OK, (await alice.GetAsync("/v1/photos")).StatusCode);

        await redis.StopAsync();

        // The in-process bucket of the same size takes over: still served, still limited.
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await alice.GetAsync("/v1/photos")).StatusCode);
        }
        await HttpAssert.Problem(await alice.GetAsync("/v1/photos"), HttpStatusCode.TooManyRequests);
        Assert.True(Interlocked.Read(ref failures) >= 4);
        var warnings = logs.Entries.Where(e => e.Level == LogLevel.Warning && e.Message.Contains("Redis is unavailable for rate_limit", StringComparison.Ordinal)).ToList();
        Assert.Single(warnings);
        Assert.Contains("fail open", warnings[0].Message, StringComparison.Ordinal);
    }
}
