using System.Diagnostics;
using System.Text.Json;

namespace PhotoApi.Benchmarks.Http;

/// <summary>What wrk measured for one scenario (latencies in microseconds, as wrk reports them).</summary>
public sealed record WrkSummary(
    long Requests, long DurationUs, long Bytes, long HttpErrors, long ConnectErrors, long ReadErrors, long WriteErrors, long Timeouts,
    double MeanUs, long P50Us, long P90Us, long P99Us, long MaxUs)
{
    /// <summary>Per wall-clock second (only with <c>timeline: true</c>): responses, and the longest gap between two responses of one wrk thread.</summary>
    public Timeline? Timeline { get; init; }

    public double RequestsPerSecond => Requests / (DurationUs / 1e6);

    public long Errors => HttpErrors + ConnectErrors + ReadErrors + WriteErrors + Timeouts;

    /// <summary>Several rounds as one: counts add up, the mean is weighted by requests, percentiles are the rounds' medians.</summary>
    public static WrkSummary Combine(IReadOnlyList<WrkSummary> rounds)
    {
        static long Median(IEnumerable<long> values)
        {
            var sorted = values.Order().ToArray();
            return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
        }
        var requests = rounds.Sum(r => r.Requests);
        return new WrkSummary(
            requests, rounds.Sum(r => r.DurationUs), rounds.Sum(r => r.Bytes), rounds.Sum(r => r.HttpErrors), rounds.Sum(r => r.ConnectErrors),
            rounds.Sum(r => r.ReadErrors), rounds.Sum(r => r.WriteErrors), rounds.Sum(r => r.Timeouts),
            requests == 0 ? 0 : rounds.Sum(r => r.MeanUs * r.Requests) / requests,
            Median(rounds.Select(r => r.P50Us)), Median(rounds.Select(r => r.P90Us)), Median(rounds.Select(r => r.P99Us)), rounds.Max(r => r.MaxUs));
    }
}

/// <summary>Fixed-duration, fixed-concurrency load with wrk (Debian's package) and one of the suite's Lua scripts.</summary>
public sealed class Wrk(string baseUrl, string luaDirectory, string dataFile, int threads, int connections)
{
    public int Threads => threads;

    public int Connections => connections;

    public static string Version()
    {
        var info = new ProcessStartInfo("wrk", "-v") { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return output.Split('\n')[0].Trim();
    }

    public async Task<WrkSummary> RunAsync(string script, TimeSpan duration, IReadOnlyDictionary<string, string>? environment = null, bool timeline = false, string? baseUrlOverride = null)
    {
        var info = new ProcessStartInfo("wrk")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { "-t", $"{threads}", "-c", $"{connections}", "-d", $"{(int)duration.TotalSeconds}s", "--timeout", "10s", "-s", Path.Combine(luaDirectory, script), baseUrlOverride ?? baseUrl })
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["BENCH_LUA"] = luaDirectory;
        info.Environment["BENCH_DATA"] = dataFile;
        info.Environment["BENCH_TIMELINE"] = timeline ? "1" : "0";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info) ?? throw new BenchmarkFailedException("wrk did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var output = await stdout;
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("BENCH-RESULT ", StringComparison.Ordinal));
        if (process.ExitCode != 0 || line is null)
        {
            throw new BenchmarkFailedException($"wrk {script} failed (exit {process.ExitCode}): {output}{await stderr}");
        }
        var summary = JsonSerializer.Deserialize<WrkSummary>(line["BENCH-RESULT ".Length..], JsonSerializerOptions.Web)!;
        var timelineLine = output.Split('\n').FirstOrDefault(l => l.StartsWith("BENCH-TIMELINE ", StringComparison.Ordinal));
        return timelineLine is null ? summary : summary with { Timeline = Timeline.Parse(timelineLine["BENCH-TIMELINE ".Length..]) };
    }
}

/// <summary>wrk's per-second timeline: <see cref="Start"/> is the Unix second of the first entry.</summary>
public sealed record Timeline(long Start, IReadOnlyList<(long Responses, long MaxGapUs)> Seconds)
{
    public static Timeline Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var seconds = root.GetProperty("seconds").EnumerateArray().Select(s => (s[0].GetInt64(), s[1].GetInt64())).ToList();
        return new Timeline(root.GetProperty("start").GetInt64(), seconds);
    }
}
