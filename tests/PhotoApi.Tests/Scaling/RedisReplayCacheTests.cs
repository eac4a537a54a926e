namespace PhotoApi.Tests.Scaling;

/// <summary>
/// Two API instances sharing one Redis (ConnectionStrings__Redis and nothing else): the DPoP replay cache is in Redis by
/// default, so a proof used at one instance is refused at the other; with Redis down, proofs are refused with 503 (fail closed).
/// </summary>
public sealed class RedisReplayCacheTests
{
    private static readonly Uri Photos = new("https://photos.example/v1/photos");
    private readonly DpopKey _key = DpopKey.EC();

    private static Dictionary<string, string?> Settings(RedisServer redis) => new()
    {
        ["Auth:ResourceUri"] = "https://photos.example",
        ["ConnectionStrings:Redis"] = redis.Configuration,
    };

    private string BoundToken(OwnApi api) => api.Issuer.Token(ApiFixture.NewSubject("alice"), "photos.read", _key.Cnf);

    private string Proof(string token) => _key.Proof("GET", Photos, token);

    private static Task<HttpResponseMessage> SendAsync(PhotoApiFactory api, string token, string proof) =>
        api.Anonymous().SendAsync(DpopProofs.Request(HttpMethod.Get, new Uri(api.BaseAddress, "/v1/photos"), token, proof));

    [Fact]
    public async Task ProofUsedAtOneInstance_IsRefusedAtAnotherSharingTheRedis()
    {
        await using var first = await OwnApi.CreateAsync(Settings(RedisServer.Shared));
        await using var second = new PhotoApiFactory(first.Issuer.Authority, first.Database.ConnectionString, Settings(RedisServer.Shared));
        var token = BoundToken(first);
        var proof = Proof(token);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(first.Api, token, proof)).StatusCode);

        var response = await SendAsync(second, token, proof);

        await HttpAssert.Problem(response, HttpStatusCode.Unauthorized);
        var challenge = HttpAssert.DpopChallenge(response);
        Assert.Equal("invalid_dpop_proof", challenge["error"]);
        Assert.Equal("The DPoP proof was used before.", challenge["error_description"]);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(second, token, Proof(token))).StatusCode);
    }

    [Fact]
    public async Task RedisDown_DpopProofsGet503WithRetryAfter_ThenWorkAgainWhenItIsBack()
    {
        await using var redis = await RedisServer.StartOwnAsync();
        await using var api = await OwnApi.CreateAsync(Settings(redis));
        var token = BoundToken(api);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(api.Api, token, Proof(token))).StatusCode);

        await redis.StopAsync();
        var refused = await SendAsync(api.Api, token, Proof(token));

        var problem = await HttpAssert.Problem(refused, HttpStatusCode.ServiceUnavailable);
        Assert.Equal("DPoP proofs cannot be checked right now; try again shortly.", problem.GetProperty("detail").GetString());
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.False(refused.Headers.Contains("WWW-Authenticate")); // not the client's fault: nothing to fix in the proof

        await redis.StartAgainAsync();
        var recovered = await RetryAsync(() => SendAsync(api.Api, token, Proof(token)));
        Assert.Equal(HttpStatusCode.OK, recovered.StatusCode);
    }

    // StackExchange.Redis reconnects on its own schedule (a heartbeat each second); recovery is awaited, not timed.
    private static async Task<HttpResponseMessage> RetryAsync(Func<Task<HttpResponseMessage>> send)
    {
        for (var attempt = 0; ; attempt++)
        {
            var response = await send();
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable || attempt == 100)
            {
                return response;
            }
            await Task.Delay(100);
        }
    }
}
