using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace PhotoApi.Tests.Security;

/// <summary>Tokens, Authorization headers and page tokens never reach the logs, at any level.</summary>
public sealed class LogSecrecyTests : IAsyncLifetime
{
    private readonly CapturedLogs _logs = new();
    private OwnApi _own = null!;

    public async Task InitializeAsync()
    {
        _own = await OwnApi.CreateAsync(new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Trace",
            ["Logging:LogLevel:Microsoft"] = "Trace",
            ["RequestLog:EveryRequest"] = "true",
        });
        _own.Api.ConfigureLogging = logging => logging.AddProvider(_logs);
    }

    public async Task DisposeAsync() => await _own.DisposeAsync();

    [Fact]
    public async Task TheWholeAttackCatalogueAndPagedReads_LeaveNoSecretInTheLogs()
    {
        var secrets = new List<string>();

        foreach (var attack in TokenAttackCatalogue.All)
        {
            var request = attack.Make(_own.Issuer);
            secrets.AddRange(request.Authorization.Select(SecretPart).Where(s => s.Length >= 8));
            var lines = request.Authorization.Select(v => $"Authorization: {v}").ToList();
            await RawHttp.SendAsync(_own.Api.BaseAddress, "GET", "/v1/photos" + request.Query, lines);
        }

        var token = _own.Issuer.Token("alice", "photos.read photos.write");
        secrets.Add(token);
        var client = _own.Api.WithToken(token);
        await client.CreatePhotoAsync("one");
        await client.CreatePhotoAsync("two");
        var pageToken = (await HttpAssert.Ok<JsonElement>(await client.GetAsync("/v1/photos?pageSize=1"))).GetProperty("nextPageToken").GetString()!;
        secrets.Add(pageToken);
        await client.GetAsync($"/v1/photos?pageSize=1&pageToken={pageToken}");
        await client.GetAsync($"/v1/photos?pageToken={pageToken}x"); // a bad one, logged as a failure
        await client.GetAsync($"/v1/photos?pageSize=abc");

        Assert.NotEmpty(_logs.Lines);
        Assert.Contains(_logs.Lines, l => l.Contains("GET /v1/photos answered 200", StringComparison.Ordinal));
        foreach (var line in _logs.Lines)
        {
            // "Bearer" followed by credentials (the scheme name alone, as in "Bearer was not authenticated", is fine).
            Assert.DoesNotMatch(@"(?i)bearer\s+[A-Za-z0-9\-._~+/]{20,}", line);
            Assert.DoesNotMatch(@"eyJ[A-Za-z0-9_-]{10,}\.eyJ", line);
            foreach (var secret in secrets.Distinct())
            {
                Assert.False(line.Contains(secret, StringComparison.Ordinal), $"A secret appears in the log: {line}");
            }
        }
    }

    // The token without the scheme; for JWTs the signing input is what identifies the token.
    private static string SecretPart(string authorization)
    {
        var value = authorization.StartsWith("Bearer", StringComparison.OrdinalIgnoreCase) ? authorization[6..].Trim() : authorization;
        var parts = value.Split('.');
        return parts.Length >= 2 && parts[1].Length >= 8 ? parts[1] : value;
    }
}
