using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace PhotoApi.Tests.Platform;

/// <summary>Operators can count refused tokens by reason and key fetches by outcome (meter "PhotoApi").</summary>
[Collection(ApiCollection.Name)]
public sealed class MetricsTests(ApiFixture fixture)
{
    [Fact]
    public async Task RefusedTokens_AreCountedByReason()
    {
        var seen = new ConcurrentBag<(string Instrument, long Value, string? Reason)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "PhotoApi")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string? reason = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "reason")
                {
                    reason = tag.Value as string;
                }
            }
            seen.Add((instrument.Name, value, reason));
        });
        listener.Start();

        var expired = fixture.Issuer.Token("alice", claims: new Dictionary<string, object?> { ["exp"] = DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeSeconds(), ["nbf"] = null, ["iat"] = null });
        await fixture.Api.WithToken(expired).GetAsync("/v1/photos");

        Assert.Contains(seen, m => m.Instrument == "photoapi.auth.token_rejections" && m.Reason == "expired" && m.Value == 1);
    }
}
