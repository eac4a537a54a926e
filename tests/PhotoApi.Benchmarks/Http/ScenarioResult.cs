namespace PhotoApi.Benchmarks.Http;

/// <summary>One scenario's wrk numbers and the API process's peak RSS while it ran.</summary>
public sealed record ScenarioResult(string Key, string ShortLabel, string Description, WrkSummary Wrk, long PeakRssBytes)
{
    /// <summary>What the API process wrote to standard output and error per request during the measured rounds (peer scenarios).</summary>
    public double? LogBytesPerRequest { get; init; }

    /// <summary>The machine's load average (1, 5, 15 min) when the scenario's last round ended: the machine is shared.</summary>
    public string Load { get; init; } = Suite.LoadAverage();
}
