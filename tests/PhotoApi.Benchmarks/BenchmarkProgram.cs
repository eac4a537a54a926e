using PhotoApi.Benchmarks.Http;
using PhotoApi.Benchmarks.Micro;

namespace PhotoApi.Benchmarks;

/// <summary>
/// <c>run</c>: the whole suite (what scripts/bench.sh calls). <c>micro</c>: only the BenchmarkDotNet benchmarks.
/// <c>host</c>: the benchmark host process (the real API plus the baseline endpoint), started by <c>run</c>.
/// </summary>
public static class BenchmarkProgram
{
    public static async Task<int> Main(string[] args)
    {
        var command = args.Length > 0 ? args[0] : "";
        var options = Arguments.Parse(args.Skip(1));
        try
        {
            switch (command)
            {
                case "run":
                    return await Suite.RunAsync(SuiteOptions.From(options));
                case "micro":
                    MicroSuite.Run(options.ContainsKey("smoke"), Path.Combine(Path.GetTempPath(), "photoapi-bdn"), options.GetValueOrDefault("only"));
                    return 0;
                case "host":
                    return await BenchHost.RunAsync(options);
                default:
                    await Console.Error.WriteLineAsync("usage: PhotoApi.Benchmarks run|micro|host [--option value ...] (see scripts/bench.sh)");
                    return 2;
            }
        }
        catch (BenchmarkFailedException e)
        {
            await Console.Error.WriteLineAsync($"BENCHMARK FAILED: {e.Message}");
            return 1;
        }
    }
}

/// <summary>Something is broken (not slow): smoke mode and full runs exit non-zero.</summary>
public sealed class BenchmarkFailedException(string message) : Exception(message);

/// <summary><c>--name value</c> and <c>--flag</c> pairs.</summary>
public static class Arguments
{
    public static Dictionary<string, string> Parse(IEnumerable<string> args)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        string? name = null;
        foreach (var arg in args)
        {
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                if (name is not null)
                {
                    result[name] = "true";
                }
                name = arg[2..];
            }
            else if (name is not null)
            {
                result[name] = arg;
                name = null;
            }
        }
        if (name is not null)
        {
            result[name] = "true";
        }
        return result;
    }
}
