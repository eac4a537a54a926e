using System.Text.Json;

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

    [Fact]
    public async Task ACallersBudget_IsTheSameThroughThreeInstancesAsAtOne()
    {
        // Counted per process, the caller spread over three instances would get three budgets (1,800): no 429 at all.
        const int sent = CallerBudget + 100;
        using var spread = RunningCluster.ClientFrom(60, cluster.Url, await cluster.TokenAsync($"budget-{Guid.NewGuid():N}", "photos.read"));
        using var single = RunningCluster.ClientFrom(61, cluster.Instance(1), await cluster.TokenAsync($"budget-{Guid.NewGuid():N}", "photos.read"));

        var counts = await Task.WhenAll(CountAsync(spread, "/v1/me", sent), CountAsync(single, "/v1/me", sent));

        var (throughHaProxy, atOneInstance) = (counts[0], counts[1]);
        Assert.Equal(CallerBudget, throughHaProxy.GetValueOrDefault(HttpStatusCode.OK));
        Assert.Equal(sent - CallerBudget, throughHaProxy.GetValueOrDefault(HttpStatusCode.TooManyRequests));
        Assert.Equal(atOneInstance, throughHaProxy);
    }

    [Fact]
    public async Task PerAddressLimit_BehindHaProxy_CountsTheRealClientAddress_OnceForAllInstances()
    {
        // Without a token a caller is limited per address: HAProxy states the address in X-Forwarded-For, the API
        // believes it from HAProxy only. Were it HAProxy's own address, the second client would be refused too.
        using var busy = RunningCluster.ClientFrom(70, cluster.Url);
        using var other = RunningCluster.ClientFrom(71, cluster.Url);

        var busyCounts = await CountAsync(busy, "/v1/photos", AnonymousBudget + 20);
        var otherAnswer = await other.GetAsync("/v1/photos");

        Assert.Equal(AnonymousBudget, busyCounts.GetValueOrDefault(HttpStatusCode.Unauthorized));
        Assert.Equal(20, busyCounts.GetValueOrDefault(HttpStatusCode.TooManyRequests));
        Assert.Equal(HttpStatusCode.Unauthorized, otherAnswer.StatusCode);
    }

    [Fact]
    public async Task ClientSpoofingXForwardedFor_IsStillCountedAtItsOwnAddress()
    {
        // HAProxy drops what the client says and states what it sees; a forged header buys no fresh budget.
        using var forger = RunningCluster.ClientFrom(72, cluster.Url);
        var counts = new Dictionary<HttpStatusCode, int>();
        for (var i = 0; i < AnonymousBudget + 5; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/photos");
            request.Headers.Add("X-Forwarded-For", $"198.51.100.{i}");
            var status = (await forger.SendAsync(request)).StatusCode;
            counts[status] = counts.GetValueOrDefault(status) + 1;
        }

        Assert.Equal(AnonymousBudget, counts.GetValueOrDefault(HttpStatusCode.Unauthorized));
        Assert.Equal(5, counts.GetValueOrDefault(HttpStatusCode.TooManyRequests));
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
            var photo = await HttpAssert.Ok<JsonElement>(await writer.PostAsJsonAsync("/v1/photos", new { title = $"page me {i}" }), HttpStatusCode.Created);
            created.Add(photo.GetProperty("id").GetString()!);
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
