namespace PhotoApi.Benchmarks.Http;

/// <summary>One scenario's wrk numbers and the API process's peak RSS while it ran.</summary>
public sealed record ScenarioResult(string Key, string ShortLabel, string Description, WrkSummary Wrk, long PeakRssBytes);
