namespace PhotoApi.Tests.Cluster;

/// <summary>
/// Redis stops under the cluster: rate limits fail open (each instance counts alone), DPoP fails closed (503: an unchecked
/// proof could be a replay, RFC 9449 §11.1), and both are shared again once Redis is back, with no restart of the API.
/// </summary>
[Trait("Category", "Cluster")]
[Collection(ClusterCollection.Name)]
public sealed class RedisOutageDrillTests(RunningCluster cluster)
{
    [Fact]
    public async Task RedisStops_BearerCallsAreServed_DpopCallsGet503_AndBothWorkAgainWhenRedisIsBack()
    {
        var key = DpopKey.EC();
        var dpopToken = await cluster.TokenAsync($"outage-dpop-{Guid.NewGuid():N}", "photos.read", key.Thumbprint);
        using var bearer = RunningCluster.ClientFrom(90, cluster.Url, await cluster.TokenAsync($"outage-{Guid.NewGuid():N}", "photos.read"));
        using var http = new HttpClient();
        HttpRequestMessage DpopCall() => DpopProofs.Request(HttpMethod.Get, new Uri(cluster.Url, "/v1/photos"), dpopToken,
            key.Proof("GET", new Uri(cluster.Url, "/v1/photos"), dpopToken));
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(DpopCall())).StatusCode);

        await cluster.StopRedisAsync();
        List<HttpResponseMessage> bearerDuring = [], dpopDuring = [];
        try
        {
            // Every instance at least once (HAProxy takes turns).
            for (var i = 0; i < 2 * cluster.Instances; i++)
            {
                bearerDuring.Add(await bearer.GetAsync("/v1/photos"));
                dpopDuring.Add(await http.SendAsync(DpopCall()));
            }
        }
        finally
        {
            await cluster.StartAsync();   // Redis again, on its port
        }
        var dpopAfter = await UntilAsync(() => http.SendAsync(DpopCall()), HttpStatusCode.OK);

        Assert.All(bearerDuring, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        foreach (var refused in dpopDuring)
        {
            await HttpAssert.Problem(refused, HttpStatusCode.ServiceUnavailable);
            Assert.NotNull(refused.Headers.RetryAfter);
        }
        Assert.Equal(HttpStatusCode.OK, dpopAfter.StatusCode);
    }

    // StackExchange.Redis reconnects by itself in the background; at most 30 s.
    private static async Task<HttpResponseMessage> UntilAsync(Func<Task<HttpResponseMessage>> call, HttpStatusCode status)
    {
        HttpResponseMessage response = null!;
        for (var i = 0; i < 150; i++)
        {
            response = await call();
            if (response.StatusCode == status)
            {
                return response;
            }
            await Task.Delay(200);
        }
        return response;
    }
}
