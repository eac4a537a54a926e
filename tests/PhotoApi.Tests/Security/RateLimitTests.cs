namespace PhotoApi.Tests.Security;

/// <summary>Per-caller limits: one user or app cannot starve the others; anonymous callers are limited per IP.</summary>
public sealed class RateLimitTests : IAsyncLifetime
{
    private OwnApi _own = null!;

    public async Task InitializeAsync()
    {
        _own = await OwnApi.CreateAsync(new Dictionary<string, string?>
        {
            ["RateLimits:PermitsPerWindow"] = "5",
            ["RateLimits:AnonymousPermitsPerWindow"] = "3",
            ["RateLimits:Window"] = "00:10:00",
        });
    }

    public async Task DisposeAsync() => await _own.DisposeAsync();

    [Fact]
    public async Task UserOverTheLimit_Gets429WithRetryAfter_WhileAnotherUserIsServed()
    {
        var alice = _own.Api.WithToken(_own.Issuer.Token("alice"));
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await alice.GetAsync("/v1/photos")).StatusCode);
        }

        var limited = await alice.GetAsync("/v1/photos");

        var problem = await HttpAssert.Problem(limited, HttpStatusCode.TooManyRequests);
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Contains("Retry-After", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        // A new token for the same user is the same caller.
        Assert.Equal(HttpStatusCode.TooManyRequests, (await _own.Api.WithToken(_own.Issuer.Token("alice")).GetAsync("/v1/me")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _own.Api.WithToken(_own.Issuer.Token("bob")).GetAsync("/v1/photos")).StatusCode);
    }

    [Fact]
    public async Task AppTokens_AreLimitedPerClient()
    {
        var job = _own.Api.WithToken(_own.Issuer.Token(subject: "job-a", "photos.admin", new Dictionary<string, object?> { ["client_id"] = "job-a" }));
        for (var i = 0; i < 5; i++)
        {
            await job.GetAsync("/v1/admin/usage");
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, (await job.GetAsync("/v1/admin/usage")).StatusCode);
        var other = _own.Api.WithToken(_own.Issuer.Token(subject: "job-b", "photos.admin", new Dictionary<string, object?> { ["client_id"] = "job-b" }));
        Assert.Equal(HttpStatusCode.OK, (await other.GetAsync("/v1/admin/usage")).StatusCode);
    }

    [Fact]
    public async Task AnonymousCalls_AreLimitedPerAddress_ButHealthIsNot()
    {
        var anonymous = _own.Api.Anonymous();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/v1/photos")).StatusCode);
        }

        await HttpAssert.Problem(await anonymous.GetAsync("/v1/photos"), HttpStatusCode.TooManyRequests);
        // Bad tokens count as anonymous: flooding with garbage does not get past the address limit.
        await HttpAssert.Problem(await _own.Api.WithToken("garbage").GetAsync("/v1/photos"), HttpStatusCode.TooManyRequests);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health/live")).StatusCode);
    }
}
