namespace PhotoApi.Tests.Cluster;

/// <summary>
/// Three instances behave as one service: a caller's budget, a used DPoP proof and a page token mean the same at every
/// instance, and the per-address limits see the real client behind HAProxy. Production settings throughout.
/// </summary>
[Trait("Category", "Cluster")]
[Collection(ClusterCollection.Name)]
public sealed class SharedStateDrillTests(RunningCluster cluster)
{
    // RateLimits__PermitsPerWindow and RateLimits__AnonymousPermitsPerWindow as shipped.
    private const int CallerBudget = 600;
    private const int AnonymousBudget = 60;

    // RateLimits__Window as shipped. A bucket refills whole once a window after its first request (RedisRateLimiting's
    // token bucket), so a burst that outlasts a window (a very busy machine) may be granted one more budget per window.
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task ACallersBudget_IsTheSameThroughThreeInstancesAsAtOne()
    {
        // Counted per process, the caller spread over three instances would get three budgets (1,800): no 429 at all.
        const int sent = CallerBudget + 100;
        using var spread = RunningCluster.ClientFrom(60, cluster.Url, await cluster.TokenAsync($"budget-{Guid.NewGuid():N}", "photos.read"));
        using var single = RunningCluster.ClientFrom(61, cluster.Instance(1), await cluster.TokenAsync($"budget-{Guid.NewGuid():N}", "photos.read"));

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var counts = await Task.WhenAll(CountAsync(spread, "/v1/me", sent), CountAsync(single, "/v1/me", sent));
        var windows = Windows(clock.Elapsed);

        foreach (var caller in counts)   // through HAProxy, then at one instance
        {
            Assert.Equal(sent, caller.GetValueOrDefault(HttpStatusCode.OK) + caller.GetValueOrDefault(HttpStatusCode.TooManyRequests));
            Assert.InRange(caller.GetValueOrDefault(HttpStatusCode.OK), CallerBudget, Math.Min(sent, CallerBudget * windows));
        }
        if (windows == 1)
        {
            Assert.Equal(counts[1], counts[0]);
        }
    }

    [Fact]
    public async Task PerAddressLimit_BehindHaProxy_CountsTheRealClientAddress_OnceForAllInstances()
    {
        // Without a token a caller is limited per address: HAProxy states the address in X-Forwarded-For, the API
        // believes it from HAProxy only. Were it HAProxy's own address, the second client would be refused too.
        using var busy = RunningCluster.ClientFrom(70, cluster.Url);
        using var other = RunningCluster.ClientFrom(71, cluster.Url);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var busyCounts = await CountAsync(busy, "/v1/photos", AnonymousBudget + 20);
        var windows = Windows(clock.Elapsed);
        var otherAnswer = await other.GetAsync("/v1/photos");

        Assert.Equal(AnonymousBudget + 20, busyCounts.GetValueOrDefault(HttpStatusCode.Unauthorized) + busyCounts.GetValueOrDefault(HttpStatusCode.TooManyRequests));
        Assert.InRange(busyCounts.GetValueOrDefault(HttpStatusCode.Unauthorized), AnonymousBudget, Math.Min(AnonymousBudget + 20, AnonymousBudget * windows));
        Assert.Equal(HttpStatusCode.Unauthorized, otherAnswer.StatusCode);
    }

    [Fact]
    public async Task ClientSpoofingXForwardedFor_IsStillCountedAtItsOwnAddress()
    {
        // HAProxy drops what the client says and states what it sees; a forged header buys no fresh budget.
        using var forger = RunningCluster.ClientFrom(72, cluster.Url);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var counts = new Dictionary<HttpStatusCode, int>();
        for (var i = 0; i < AnonymousBudget + 5; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/photos");
            request.Headers.Add("X-Forwarded-For", $"198.51.100.{i}");
            var status = (await forger.SendAsync(request)).StatusCode;
            counts[status] = counts.GetValueOrDefault(status) + 1;
        }

        var windows = Windows(clock.Elapsed);

        Assert.Equal(AnonymousBudget + 5, counts.GetValueOrDefault(HttpStatusCode.Unauthorized) + counts.GetValueOrDefault(HttpStatusCode.TooManyRequests));
        Assert.InRange(counts.GetValueOrDefault(HttpStatusCode.Unauthorized), AnonymousBudget, Math.Min(AnonymousBudget + 5, AnonymousBudget * windows));
    }

    [Fact]
    public async Task DpopProofReplayedAtAnotherInstance_IsRefused()
    {
        var key = DpopKey.EC();
        var token = await cluster.TokenAsync($"dpop-{Guid.NewGuid():N}", "photos.read", key.Thumbprint);
        // The proof names the service's public URL (Auth__ResourceUri, HAProxy's), whichever instance receives it.
        var proof = key.Proof("GET", new Uri(cluster.Url, "/v1/photos"), token);
        using var http = new HttpClient();

        var first = await http.SendAsync(DpopProofs.Request(HttpMethod.Get, new Uri(cluster.Instance(1), "/v1/photos"), token, proof));
        var replayed = await http.SendAsync(DpopProofs.Request(HttpMethod.Get, new Uri(cluster.Instance(2), "/v1/photos"), token, proof));
        var fresh = await http.SendAsync(DpopProofs.Request(HttpMethod.Get, new Uri(cluster.Instance(2), "/v1/photos"), token,
            key.Proof("GET", new Uri(cluster.Url, "/v1/photos"), token)));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        await HttpAssert.Problem(replayed, HttpStatusCode.Unauthorized);
        Assert.Equal("invalid_dpop_proof", HttpAssert.DpopChallenge(replayed)["error"]);
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
    }

    [Fact]
    public async Task Paging_AcrossInstances_EachPageFromAnotherInstance_ShowsEveryPhotoOnce()
    {
        var token = await cluster.TokenAsync($"pager-{Guid.NewGuid():N}", "photos.read photos.write");
        using var writer = RunningCluster.ClientFrom(80, cluster.Url, token);
        var created = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            created.Add(await writer.CreatePhotoAsync($"page me {i}"));
        }

        var seen = new List<string>();
        string? pageToken = null;
        var page = 0;
        do
        {
            // Page 1 from instance 1, page 2 from instance 2, ...: a token signed by one instance is read by the next.
            using var instance = RunningCluster.ClientFrom(80, cluster.Instance((page % cluster.Instances) + 1), token);
            var path = pageToken is null ? "/v1/photos?pageSize=2" : $"/v1/photos?pageSize=2&pageToken={Uri.EscapeDataString(pageToken)}";
            var body = await HttpAssert.Ok<JsonElement>(await instance.GetAsync(path));
            seen.AddRange(body.GetProperty("items").EnumerateArray().Select(p => p.GetProperty("id").GetString()!));
            pageToken = body.TryGetProperty("nextPageToken", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
            page++;
        }
        while (pageToken is not null);

        Assert.Equal(Enumerable.Reverse(created), seen);   // newest first, each once
        Assert.True(page >= 4, $"Expected at least 4 pages, got {page}.");
    }

    /// <summary>How many budgets a caller can have been granted in <paramref name="elapsed"/>: one, plus one per window begun.</summary>
    private static int Windows(TimeSpan elapsed) => 1 + (int)(elapsed / Window);

    private static async Task<Dictionary<HttpStatusCode, int>> CountAsync(HttpClient client, string path, int requests)
    {
        var counts = new Dictionary<HttpStatusCode, int>();
        for (var i = 0; i < requests; i++)
        {
            var status = (await client.GetAsync(path)).StatusCode;
            counts[status] = counts.GetValueOrDefault(status) + 1;
        }
        return counts;
    }
}
