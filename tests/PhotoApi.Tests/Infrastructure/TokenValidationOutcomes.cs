using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using PhotoApi.Auth;

namespace PhotoApi.Tests.Infrastructure;

/// <summary>
/// The outcome of each token the API accepted from one issuer ("cached" or "validated"), in order, as its
/// <c>photoapi.auth.token_validations</c> counter reports them.
/// </summary>
public sealed class TokenValidationOutcomes : IDisposable
{
    private readonly ConcurrentQueue<string> _outcomes = new();
    private readonly MeterListener _listener = new();

    public TokenValidationOutcomes(string issuer)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument == AuthMetrics.TokenValidations)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            string? from = null, outcome = null;
            foreach (var tag in tags)
            {
                from = tag.Key == "issuer" ? tag.Value as string : from;
                outcome = tag.Key == "outcome" ? tag.Value as string : outcome;
            }
            if (from == issuer)
            {
                _outcomes.Enqueue(outcome!);
            }
        });
        _listener.Start();
    }

    public string[] ToArray() => [.. _outcomes];

    public void Dispose() => _listener.Dispose();
}
