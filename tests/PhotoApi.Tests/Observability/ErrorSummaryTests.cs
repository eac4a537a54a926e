using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace PhotoApi.Tests.Observability;

/// <summary>
/// Error answers are written as one count per minute (the shipped RequestLog__ErrorSummaryInterval), by status and reason,
/// on the API's own clock: a flood is one line, a quiet minute is none.
/// </summary>
public sealed class ErrorSummaryTests : IAsyncLifetime
{
    private readonly CapturedLogs _logs = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private OwnApi _own = null!;

    public async Task InitializeAsync()
    {
        _own = await OwnApi.CreateAsync(time: _time);
        _own.Api.ConfigureLogging = logging => logging.AddProvider(_logs);
    }

    public async Task DisposeAsync() => await _own.DisposeAsync();

    [Fact]
    public async Task AFloodOfRefusedTokens_IsOneLineAMinute_CountedByReason()
    {
        var expired = _own.Issuer.Token("alice", lifetime: TimeSpan.FromMinutes(-5), claims: new Dictionary<string, object?> { ["nbf"] = null, ["iat"] = null });
        using var client = _own.Api.WithToken(expired);
        using var junk = _own.Api.WithToken("not-a-token");
        for (var i = 0; i < 40; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/v1/photos")).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await junk.GetAsync("/v1/photos")).StatusCode);
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await _own.Api.Anonymous().GetAsync("/v1/photos")).StatusCode);

        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.Empty(Requests());

        _time.Advance(TimeSpan.FromSeconds(1));
        var line = await NextRequestLineAsync();
        Assert.Equal("81 error answers in the last 00:01:00: 401 x1, 401 expired x40, 401 malformed x40", line);

        // A quiet minute writes nothing.
        _time.Advance(TimeSpan.FromMinutes(1));
        await Task.Yield();
        Assert.Single(Requests());
    }

    private List<CapturedLogs.Entry> Requests() => [.. _logs.Entries.Where(e => e.Category == "PhotoApi.Requests")];

    // The summary is written by a background loop woken by the clock: wait for its line (a generous bound, never a sleep).
    private async Task<string> NextRequestLineAsync()
    {
        await _logs.WhenLoggedAsync(e => e.Category == "PhotoApi.Requests").WaitAsync(TimeSpan.FromSeconds(30));
        return Assert.Single(Requests()).Message;
    }
}
