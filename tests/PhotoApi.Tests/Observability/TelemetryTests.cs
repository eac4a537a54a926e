using System.Text;

namespace PhotoApi.Tests.Observability;

/// <summary>
/// With OTEL_EXPORTER_OTLP_ENDPOINT set, the API exports traces and metrics over OTLP: the traceId in a problem body is a
/// trace the collector received, PhotoApi's own meter is exported, and no token or page token is in anything exported.
/// </summary>
[Collection(TelemetryCollection.Name)]
public sealed class TelemetryTests : IAsyncLifetime
{
    private OtlpReceiver _collector = null!;
    private OwnApi _own = null!;

    public async Task InitializeAsync()
    {
        _collector = await OtlpReceiver.StartAsync();
        _own = await OwnApi.CreateAsync(new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = _collector.Endpoint.ToString().TrimEnd('/'),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        });
    }

    public async Task DisposeAsync()
    {
        await _own.DisposeAsync();
        await _collector.DisposeAsync();
    }

    [Fact]
    public async Task TracesAndMetricsReachTheCollector_MatchTheProblemTraceId_AndCarryNoSecret()
    {
        var token = _own.Issuer.Token("alice", "photos.read photos.write");
        using var client = _own.Api.WithToken(token);
        await client.CreatePhotoAsync("one");
        await client.CreatePhotoAsync("two");
        var pageToken = (await HttpAssert.Ok<JsonElement>(await client.GetAsync("/v1/photos?pageSize=1"))).GetProperty("nextPageToken").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/v1/photos?pageSize=1&pageToken={Uri.EscapeDataString(pageToken)}")).StatusCode);
        var expired = _own.Issuer.Token("alice", lifetime: TimeSpan.FromMinutes(-5), claims: new Dictionary<string, object?> { ["nbf"] = null, ["iat"] = null });
        var refused = await _own.Api.WithToken(expired).GetAsync("/v1/photos");
        var traceparent = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("traceId").GetString()!;

        // Stopping the API flushes its exporters.
        await _own.Api.DisposeAsync();

        var traces = _collector.Bodies("/v1/traces");
        var metrics = _collector.Bodies("/v1/metrics");
        Assert.All(_collector.Received, r => Assert.Equal("application/x-protobuf", r.ContentType));
        // OTLP carries a trace id as its 16 raw bytes; the problem's traceId is the W3C traceparent "00-<trace id>-<span id>-01".
        var traceId = Convert.FromHexString(traceparent.Split('-')[1]);
        Assert.True(traces.AsSpan().IndexOf(traceId) >= 0, "The refused request's trace is not among the exported spans.");
        Assert.Contains("SELECT", Encoding.Latin1.GetString(traces), StringComparison.Ordinal); // Npgsql's spans, SQL text without values
        var metricText = Encoding.Latin1.GetString(metrics);
        Assert.Contains("photoapi.auth.token_rejections", metricText, StringComparison.Ordinal);
        Assert.Contains("http.server.request.duration", metricText, StringComparison.Ordinal);

        foreach (var exported in new[] { Encoding.Latin1.GetString(traces), metricText })
        {
            foreach (var secret in new[] { token, expired, pageToken, Uri.EscapeDataString(pageToken), token.Split('.')[1], expired.Split('.')[1] })
            {
                Assert.DoesNotContain(secret, exported, StringComparison.Ordinal);
            }
            Assert.DoesNotContain("alice", exported, StringComparison.Ordinal);
        }
    }
}
