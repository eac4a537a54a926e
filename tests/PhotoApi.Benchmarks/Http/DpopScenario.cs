using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using PhotoApi.Benchmarks.Micro;

namespace PhotoApi.Benchmarks.Http;

/// <summary>
/// Scenario F: the same GET /v1/photos/{id} as A, once with Bearer tokens (F1) and once with DPoP-bound tokens and a fresh ES256
/// proof per request (F2), in alternating rounds of one run. Proofs are signed before each DPoP round (wrk's Lua cannot sign)
/// with distinct jtis. The in-process replay cache holds at most 200,000 jtis: at these rates it forgets the oldest live ones
/// (and refuses proofs that old) instead of refusing new proofs, so rounds follow each other without waiting.
/// </summary>
public static class DpopScenario
{
    private const int ProofsPerSecond = 15_000; // more than the API can check on this machine: a round never runs out

    private sealed record ProofClient(int Index, string Token, DpopKey Key);

    public static async Task<IReadOnlyList<ScenarioResult>> RunAsync(
        SuiteOptions options, Wrk wrk, HostProcess host, TestIssuer issuer, IReadOnlyList<(string Subject, Guid Photo)> items, List<string> failures)
    {
        using var client = new HttpClient { BaseAddress = new Uri(host.BaseUrl), Timeout = TimeSpan.FromSeconds(60) };
        var clients = new Dictionary<string, ProofClient>(StringComparer.Ordinal);
        foreach (var subject in items.Select(i => i.Subject).Distinct())
        {
            clients[subject] = await NewClientAsync(client, issuer, host.BaseUrl, subject, clients.Count + 1);
        }
        var tokensFile = Path.Combine(options.RepoRoot, ".data", "bench-dpop-tokens.txt");
        await File.WriteAllLinesAsync(tokensFile, clients.Values.OrderBy(c => c.Index).Select(c => c.Token));
        var proofsFile = Path.Combine(options.RepoRoot, ".data", "bench-dpop-proofs.txt");
        var dpopEnvironment = new Dictionary<string, string>
        {
            ["BENCH_DPOP_TOKENS"] = tokensFile,
            ["BENCH_DPOP_PROOFS"] = proofsFile,
            ["BENCH_THREADS"] = $"{wrk.Threads}",
        };
        var inProcess = options.DpopReplayCache.Equals("InProcess", StringComparison.OrdinalIgnoreCase);
        Console.WriteLine($"== F: Bearer vs DPoP, GET /v1/photos/{{id}} (replay cache {options.DpopReplayCache}) ==");

        async Task<WrkSummary> DpopRoundAsync(TimeSpan duration, string label)
        {
            await WriteProofsAsync(proofsFile, host.BaseUrl, items, clients, (int)(duration.TotalSeconds * ProofsPerSecond));
            var summary = await wrk.RunAsync("dpop-get-photo.lua", duration, dpopEnvironment);
            Suite.Check(label, summary, failures);
            return summary;
        }

        Suite.Check("F1 (warm-up)", await wrk.RunAsync("get-photo.lua", options.Warmup), failures);
        await DpopRoundAsync(options.Warmup, "F2 (warm-up)");
        var bearer = new List<WrkSummary>();
        var dpop = new List<WrkSummary>();
        long bearerPeak = 0, dpopPeak = 0;
        for (var round = 0; round < options.Rounds; round++)
        {
            host.ResetPeakMemory();
            var d = await DpopRoundAsync(options.Duration, "F2");
            dpopPeak = Math.Max(dpopPeak, host.PeakMemoryBytes());
            dpop.Add(d);
            Console.WriteLine($"  F2  round {round + 1}: {d.RequestsPerSecond,9:N0} req/s  p50 {d.P50Us / 1000.0,7:0.00} ms  p99 {d.P99Us / 1000.0,7:0.00} ms  errors {d.Errors}  load {Suite.LoadAverage()}");

            host.ResetPeakMemory();
            var b = await wrk.RunAsync("get-photo.lua", options.Duration);
            Suite.Check("F1", b, failures);
            bearerPeak = Math.Max(bearerPeak, host.PeakMemoryBytes());
            bearer.Add(b);
            Console.WriteLine($"  F1  round {round + 1}: {b.RequestsPerSecond,9:N0} req/s  p50 {b.P50Us / 1000.0,7:0.00} ms  p99 {b.P99Us / 1000.0,7:0.00} ms  errors {b.Errors}  load {Suite.LoadAverage()}");
        }
        File.Delete(proofsFile);
        File.Delete(tokensFile);

        var suffix = inProcess ? "" : $" (replay cache {options.DpopReplayCache})";
        return
        [
            new ScenarioResult("F1", "F\nBearer", "GET /v1/photos/{id}, Bearer token (F's baseline, rounds alternating with F2)" + suffix, WrkSummary.Combine(bearer), bearerPeak),
            new ScenarioResult("F2", "F\nDPoP", "GET /v1/photos/{id}, DPoP-bound token + fresh ES256 proof per request" + suffix, WrkSummary.Combine(dpop), dpopPeak),
        ];
    }

    private static async Task<ProofClient> NewClientAsync(HttpClient client, TestIssuer issuer, string baseUrl, string subject, int index)
    {
        var key = DpopKey.EC();
        // A token bound to the key (RFC 9449 §6.1).
        var token = issuer.Mint(subject, claims: key.Cnf);
        var proofClient = new ProofClient(index, token, key);

        // The first request with a token validates it fully; the scenario measures what follows (as A does).
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/me");
        request.Headers.Authorization = new AuthenticationHeaderValue("DPoP", token);
        request.Headers.Add("DPoP", key.Proof("GET", new Uri($"{baseUrl}/v1/me"), token));
        using var response = await client.SendAsync(request);
        if (!response.IsSuccessStatusCode)
        {
            throw new BenchmarkFailedException($"GET /v1/me with DPoP as {subject} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
        return proofClient;
    }

    private static async Task WriteProofsAsync(
        string path, string baseUrl, IReadOnlyList<(string Subject, Guid Photo)> items, Dictionary<string, ProofClient> clients, int count)
    {
        var now = DateTimeOffset.UtcNow;
        var lines = new string[count];
        Parallel.For(0, count, i =>
        {
            var (subject, photo) = items[i % items.Count];
            var owner = clients[subject];
            var resource = $"/v1/photos/{photo}";
            lines[i] = $"{owner.Index} {resource} {owner.Key.Proof("GET", new Uri(baseUrl + resource), owner.Token, now)}";
        });
        await File.WriteAllLinesAsync(path, lines, Encoding.ASCII);
    }
}
