namespace PhotoApi.Tests.Resilience;

/// <summary>
/// Fault-injection stories run one at a time, after everything else: they stop servers, exhaust pools and watch
/// process-wide signals (unobserved task exceptions), which other tests running beside them would disturb.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ResilienceCollection
{
    public const string Name = "resilience (runs alone)";
}
