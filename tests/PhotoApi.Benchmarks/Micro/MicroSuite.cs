using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;

namespace PhotoApi.Benchmarks.Micro;

/// <summary>One micro benchmark's result: mean time and bytes allocated per operation.</summary>
public sealed record MicroResult(string Benchmark, string Case, double MeanNs, long? AllocatedBytes);

/// <summary>Runs the BenchmarkDotNet classes and hands back their means and allocations.</summary>
public static class MicroSuite
{
    public static readonly Type[] Benchmarks = [typeof(TokenValidationBenchmarks), typeof(AuthPipelineBenchmarks), typeof(PageTokenBenchmarks), typeof(ScopeBenchmarks), typeof(DpopProofBenchmarks), typeof(DpopReplayCacheBenchmarks), typeof(DpopAuthenticationBenchmarks), typeof(IntrospectionBenchmarks), typeof(RateLimitBenchmarks)];

    /// <summary>In-process (no generated project to build); smoke runs each benchmark once (BenchmarkDotNet's Dry job).</summary>
    public static IReadOnlyList<MicroResult> Run(bool smoke, string artifactsPath, string? only = null)
    {
        var job = smoke
            ? Job.Dry
            : Job.Default.WithWarmupCount(3).WithIterationCount(12).WithIterationTime(TimeInterval.FromMilliseconds(250));
        var config = ManualConfig.CreateEmpty()
            .AddJob(job.WithToolchain(InProcessEmitToolchain.Instance))
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddLogger(ConsoleLogger.Default)
            .AddExporter(MarkdownExporter.GitHub)
            .WithArtifactsPath(artifactsPath)
            .WithOptions(ConfigOptions.JoinSummary | ConfigOptions.DisableLogFile);

        var summaries = BenchmarkRunner.Run(only is null ? Benchmarks : Benchmarks.Where(t => t.Name.StartsWith(only, StringComparison.Ordinal)).ToArray(), config);
        var results = new List<MicroResult>();
        foreach (var summary in summaries)
        {
            if (summary.HasCriticalValidationErrors)
            {
                throw new InvalidOperationException($"BenchmarkDotNet validation failed: {string.Join("; ", summary.ValidationErrors.Select(e => e.Message))}");
            }
            foreach (var report in summary.Reports)
            {
                var benchmark = report.BenchmarkCase;
                if (!report.Success || report.ResultStatistics is null)
                {
                    throw new InvalidOperationException($"Micro benchmark {benchmark.DisplayInfo} failed.");
                }
                var parameters = string.Join(",", benchmark.Parameters.Items.Select(p => p.Value?.ToString()));
                results.Add(new MicroResult(
                    $"{benchmark.Descriptor.Type.Name.Replace("Benchmarks", "", StringComparison.Ordinal)}.{benchmark.Descriptor.WorkloadMethod.Name}",
                    benchmark.Descriptor.WorkloadMethodDisplayInfo is { Length: > 0 } description && description != benchmark.Descriptor.WorkloadMethod.Name
                        ? description.Trim('\'')
                        : parameters,
                    report.ResultStatistics.Mean,
                    report.GcStats.GetBytesAllocatedPerOperation(benchmark)));
            }
        }
        // BenchmarkDotNet's joined summary mixes the classes; report them in the order of Benchmarks.
        results = results.OrderBy(r => Array.FindIndex(Benchmarks, t => r.Benchmark.StartsWith(t.Name.Replace("Benchmarks", ".", StringComparison.Ordinal), StringComparison.Ordinal)))
            .ThenBy(r => r.Benchmark.StartsWith("TokenValidation", StringComparison.Ordinal) ? r.Case : "", StringComparer.Ordinal)
            .ToList();
        if (results.Count == 0)
        {
            throw new InvalidOperationException("No micro benchmark ran.");
        }
        return results;
    }
}
