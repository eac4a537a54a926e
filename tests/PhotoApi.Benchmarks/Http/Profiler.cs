using System.Diagnostics;
using System.Globalization;

namespace PhotoApi.Benchmarks.Http;

/// <summary>
/// Optional (<c>--profile A</c>): samples the host's thread stacks with dotnet-trace while one scenario runs, and writes
/// dotnet-trace's top-N report next to the results, to show where a missed target's time goes.
/// </summary>
public static class Profiler
{
    public static string Tool => Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools", "dotnet-trace");

    /// <summary>The .nettrace goes to <paramref name="traceDirectory"/> (it is large); the text report to <paramref name="outputDirectory"/>.</summary>
    public static async Task<Func<Task>> StartAsync(int processId, TimeSpan duration, string traceDirectory, string outputDirectory, string scenario)
    {
        if (!File.Exists(Tool))
        {
            await RunAsync("dotnet", ["tool", "install", "--global", "dotnet-trace"]);
        }
        Directory.CreateDirectory(traceDirectory);
        var trace = Path.Combine(traceDirectory, $"profile-{scenario}.nettrace");
        var collect = RunAsync(Tool, ["collect", "-p", processId.ToString(CultureInfo.InvariantCulture), "--profile", "dotnet-sampled-thread-time",
            "--duration", duration.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture), "-o", trace]);
        return async () =>
        {
            await collect;
            var inclusive = await RunAsync(Tool, ["report", trace, "topN", "-n", "60", "--inclusive"]);
            var exclusive = await RunAsync(Tool, ["report", trace, "topN", "-n", "40"]);
            await File.WriteAllTextAsync(Path.Combine(outputDirectory, $"profile-{scenario}.txt"),
                $"dotnet-trace, dotnet-sampled-thread-time, scenario {scenario}\n\n== Inclusive ==\n{inclusive}\n== Exclusive ==\n{exclusive}");
            Console.WriteLine($"  profile of {scenario} written to {Path.Combine(outputDirectory, $"profile-{scenario}.txt")}");
        };
    }

    private static async Task<string> RunAsync(string file, string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return await output + await errors;
    }
}
