using System.Net.Http.Headers;
using System.Text.RegularExpressions;

namespace PhotoApi.Tests.Observability;

/// <summary>
/// An operator runs the API as shipped (Production, no settings file of their own) and gets logs that stay small under
/// load: nothing for a successful request, one summary line for a flood of errors, JSON lines when asked for.
/// </summary>
public sealed partial class ProductionLoggingTests : IAsyncLifetime
{
    private TestIssuer _issuer = null!;
    private TestDatabase _database = null!;

    public async Task InitializeAsync()
    {
        _issuer = await TestIssuer.StartAsync();
        _database = await TestDatabase.CreateAsync();
    }

    public async Task DisposeAsync()
    {
        await _issuer.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task AsShipped_SuccessfulRequestsWriteNothing_AndAFloodOfJunkTokensWritesOneSummaryLine()
    {
        await using var api = await RunningApi.StartAsync(_issuer, _database);
        using var client = new HttpClient { BaseAddress = api.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _issuer.Token("alice", "photos.read photos.write"));
        var id = await client.CreatePhotoAsync("quiet");
        var before = api.Output.Count;

        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/v1/photos/{id}")).StatusCode);
        }
        using var junk = new HttpClient { BaseAddress = api.BaseAddress };
        junk.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-token");
        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < 300; i++)
        {
            answers.Add((await junk.GetAsync($"/v1/photos/{id}")).StatusCode);
        }
        // The shipped limits for unauthenticated callers turn part of the flood into 429s; both are counted.
        Assert.All(answers, a => Assert.True(a is HttpStatusCode.Unauthorized or HttpStatusCode.TooManyRequests, a.ToString()));
        var refused = answers.Count(a => a == HttpStatusCode.Unauthorized);
        var limited = answers.Count - refused;
        await api.StopAsync();

        // The simple console format starts each entry with "info: Category[event id]"; the host's own start/stop notices aside.
        var entries = api.Output.Skip(before).Where(l => EntryStart().IsMatch(l) && !l.Contains("Microsoft.Hosting.Lifetime", StringComparison.Ordinal)).ToList();
        var summary = Assert.Single(entries);
        Assert.StartsWith("info: PhotoApi.Requests", summary, StringComparison.Ordinal);
        var text = string.Join('\n', api.Output.Skip(before));
        var counts = limited == 0 ? $"401 malformed x{refused}" : $"401 malformed x{refused}, 429 x{limited}";
        Assert.Contains($"300 error answers in the last 00:01:00: {counts}", text, StringComparison.Ordinal);
        Assert.DoesNotContain("/v1/photos", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task JsonConsoleAndEveryRequest_WriteOneJsonObjectPerLine_WithTheRequestLineButNotItsQuery()
    {
        await using var api = await RunningApi.StartAsync(_issuer, _database, new Dictionary<string, string>
        {
            ["Logging__Console__FormatterName"] = "json",
            ["RequestLog__EveryRequest"] = "true",
        });
        using var client = new HttpClient { BaseAddress = api.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _issuer.Token("alice", "photos.read"));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/photos?pageSize=5")).StatusCode);
        await api.StopAsync();

        var entries = api.Output.Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var request = Assert.Single(entries, e => e.GetProperty("Category").GetString() == "PhotoApi.Requests"
            && e.GetProperty("State").GetProperty("Path").GetString() == "/v1/photos");
        Assert.Equal(200, request.GetProperty("State").GetProperty("Status").GetInt32());
        Assert.DoesNotContain(api.Output, l => l.Contains("pageSize", StringComparison.Ordinal));
    }

    [GeneratedRegex("^(trce|dbug|info|warn|fail|crit): ")]
    private static partial Regex EntryStart();
}
