using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;
using PhotoApi.Health;

namespace PhotoApi.Tests.Edge;

/// <summary>/health/ready is anonymous and unlimited, so a flood of it runs the checks (a database query) once a second at most.</summary>
public sealed class ReadinessCacheTests
{
    [Fact]
    public async Task AFloodOfReadinessCalls_IsAnsweredFromTheLastReport_UntilItIsASecondOld()
    {
        var runs = 0;
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var own = await OwnApi.CreateAsync();
        own.Api.ConfigureServices = services =>
        {
            services.AddHealthChecks().AddCheck("counted", () =>
            {
                Interlocked.Increment(ref runs);
                return HealthCheckResult.Healthy();
            }, tags: [HealthApi.Ready]);
            services.AddSingleton(provider => new ReadinessCache(provider.GetRequiredService<HealthCheckService>(), clock));
        };
        var anonymous = own.Api.Anonymous();
        // Ready once the issuer's keys are in (a new report each time the fake second has passed).
        for (var i = 0; i < 100 && (await anonymous.GetAsync("/health/ready")).StatusCode != HttpStatusCode.OK; i++)
        {
            clock.Advance(ReadinessCache.Lifetime);
            await Task.Delay(50);
        }
        var before = runs;

        var flood = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => anonymous.GetAsync("/health/ready")));
        var afterFlood = runs - before;
        clock.Advance(ReadinessCache.Lifetime - TimeSpan.FromMilliseconds(1));
        await anonymous.GetAsync("/health/ready");
        var withinTheSecond = runs - before;
        clock.Advance(TimeSpan.FromMilliseconds(2));
        var later = await anonymous.GetAsync("/health/ready");

        Assert.All(flood, response => Assert.Equal(HttpStatusCode.OK, response.StatusCode));
        Assert.Equal(0, afterFlood);
        Assert.Equal(0, withinTheSecond);
        Assert.Equal(HttpStatusCode.OK, later.StatusCode);
        Assert.Equal(1, runs - before);
    }
}
