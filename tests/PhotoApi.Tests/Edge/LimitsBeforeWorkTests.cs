using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace PhotoApi.Tests.Edge;

/// <summary>
/// A per-address token bucket runs before authentication (a caller over it costs no token work), IPv6 addresses share
/// a bucket per /64, and forwarded headers are believed only from configured proxies.
/// </summary>
public sealed class LimitsBeforeWorkTests
{
    [Fact]
    public async Task OverTheAddressLimit_Gets429WithRetryAfter_BeforeAnyTokenIsLookedAt()
    {
        var authentications = 0;
        await using var own = await OwnApi.CreateAsync(new Dictionary<string, string?>
        {
            ["RateLimits:AddressPermitsPerWindow"] = "3",
            ["RateLimits:Window"] = "00:10:00",
        });
        own.Api.ConfigureServices = services => services.PostConfigure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, options =>
            options.Events = CountingAuthentications(options.Events, () => Interlocked.Increment(ref authentications)));
        var alice = own.Api.WithToken(own.Issuer.Token("alice"));
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await alice.GetAsync("/v1/photos")).StatusCode);
        }
        var counted = authentications;

        var limited = await alice.GetAsync("/v1/photos");
        var garbage = await own.Api.WithToken("garbage.token.here").GetAsync("/v1/photos");

        await HttpAssert.Problem(limited, HttpStatusCode.TooManyRequests);
        await HttpAssert.Problem(garbage, HttpStatusCode.TooManyRequests);
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal(3, counted);
        Assert.Equal(counted, authentications);
        // Health stays outside every limiter (orchestrators poll it).
        Assert.Equal(HttpStatusCode.OK, (await own.Api.Anonymous().GetAsync("/health/live")).StatusCode);
    }

    [Fact]
    public async Task WithoutATrustedProxy_XForwardedForIsIgnored_AndTheSocketAddressIsTheCaller()
    {
        await using var own = await OwnApi.CreateAsync(new Dictionary<string, string?>
        {
            ["RateLimits:AnonymousPermitsPerWindow"] = "2",
            ["RateLimits:Window"] = "00:10:00",
        });

        Assert.Equal(HttpStatusCode.Unauthorized, await AnonymousFromAsync(own, "203.0.113.1"));
        Assert.Equal(HttpStatusCode.Unauthorized, await AnonymousFromAsync(own, "203.0.113.2"));

        // A claimed third address does not buy a new bucket: nobody configured this peer as a proxy.
        Assert.Equal(HttpStatusCode.TooManyRequests, await AnonymousFromAsync(own, "203.0.113.3"));
    }

    [Fact]
    public async Task BehindATrustedProxy_EachForwardedClientHasItsOwnBucket_AndIPv6IsGroupedPer64()
    {
        await using var own = await OwnApi.CreateAsync(new Dictionary<string, string?>
        {
            ["RateLimits:AnonymousPermitsPerWindow"] = "2",
            ["RateLimits:Window"] = "00:10:00",
            ["Proxies:KnownProxies"] = "127.0.0.1",
        });

        Assert.Equal(HttpStatusCode.Unauthorized, await AnonymousFromAsync(own, "203.0.113.1"));
        Assert.Equal(HttpStatusCode.Unauthorized, await AnonymousFromAsync(own, "203.0.113.1"));
        Assert.Equal(HttpStatusCode.TooManyRequests, await AnonymousFromAsync(own, "203.0.113.1"));
        Assert.Equal(HttpStatusCode.Unauthorized, await AnonymousFromAsync(own, "203.0.113.2"));

        Assert.Equal(HttpStatusCode.Unauthorized, await AnonymousFromAsync(own, "2001:db8:1:2::1"));
        Assert.Equal(HttpStatusCode.Unauthorized, await AnonymousFromAsync(own, "2001:db8:1:2:ffff:ffff:ffff:ffff"));
        // Same /64: one subscriber rotating through its 2^64 addresses is still one caller.
        Assert.Equal(HttpStatusCode.TooManyRequests, await AnonymousFromAsync(own, "2001:db8:1:2:abcd::7"));
        Assert.Equal(HttpStatusCode.Unauthorized, await AnonymousFromAsync(own, "2001:db8:1:3::1"));
    }

    [Fact]
    public async Task BehindATrustedProxy_OnlyTheHopTheProxyAddedIsBelieved()
    {
        await using var own = await OwnApi.CreateAsync(new Dictionary<string, string?>
        {
            ["RateLimits:AnonymousPermitsPerWindow"] = "1",
            ["RateLimits:Window"] = "00:10:00",
            ["Proxies:KnownNetworks"] = "127.0.0.0/8",
        });

        Assert.Equal(HttpStatusCode.Unauthorized, await AnonymousFromAsync(own, "198.51.100.1, 203.0.113.9"));
        // The client wrote a different left-hand value; the proxy's own (right-most) entry is the same caller.
        Assert.Equal(HttpStatusCode.TooManyRequests, await AnonymousFromAsync(own, "198.51.100.2, 203.0.113.9"));
    }

    private static async Task<HttpStatusCode> AnonymousFromAsync(OwnApi own, string forwardedFor)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/photos");
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", forwardedFor);
        return (await own.Api.Anonymous().SendAsync(request)).StatusCode;
    }

    private static JwtBearerEvents CountingAuthentications(JwtBearerEvents events, Action count) => new()
    {
        OnMessageReceived = context =>
        {
            count();
            return events.OnMessageReceived(context);
        },
        OnTokenValidated = events.OnTokenValidated,
        OnAuthenticationFailed = events.OnAuthenticationFailed,
        OnChallenge = events.OnChallenge,
        OnForbidden = events.OnForbidden,
    };
}
