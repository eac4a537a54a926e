using System.Diagnostics;
using System.Globalization;

namespace PhotoApi.Benchmarks.Http;

/// <summary>The benchmark host as a child process: the API's own process, so its memory can be read from /proc.</summary>
public sealed class HostProcess : IAsyncDisposable
{
    private readonly Process _process;

    private HostProcess(Process process, string baseUrl)
    {
        _process = process;
        BaseUrl = baseUrl;
    }

    public string BaseUrl { get; }

    public int Id => _process.Id;

    public static async Task<HostProcess> StartAsync(string connectionString, int port, int issuerPort, string pagingKey, string dpopReplayCache = "InProcess")
    {
        var info = new ProcessStartInfo(Environment.ProcessPath!)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        var self = typeof(BenchmarkProgram).Assembly.Location;
        if (!Path.GetFileNameWithoutExtension(Environment.ProcessPath!).Equals(Path.GetFileNameWithoutExtension(self), StringComparison.Ordinal))
        {
            info.ArgumentList.Add(self);
        }
        foreach (var arg in new[] { "host", "--connection", connectionString, "--port", $"{port}", "--issuer-port", $"{issuerPort}", "--paging-key", pagingKey, "--dpop-replay-cache", dpopReplayCache })
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info) ?? throw new BenchmarkFailedException("The benchmark host did not start.");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                Console.WriteLine($"  host: {line}");
                if (line.StartsWith(BenchHost.ReadyLine, StringComparison.Ordinal))
                {
                    var url = line.Split(' ')[1].Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("localhost", "127.0.0.1", StringComparison.Ordinal);
                    // Keep draining its output so the host never blocks on a full pipe.
                    _ = Task.Run(async () =>
                    {
                        while (await process.StandardOutput.ReadLineAsync() is { } more)
                        {
                            Console.WriteLine($"  host: {more}");
                        }
                    });
                    return new HostProcess(process, url.TrimEnd('/'));
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        process.Kill(entireProcessTree: true);
        throw new BenchmarkFailedException($"The benchmark host did not become ready (exit code {(process.HasExited ? process.ExitCode : -1)}).");
    }

    /// <summary>Peak resident set size since the last <see cref="ResetPeakMemory"/> (VmHWM), in bytes.</summary>
    public long PeakMemoryBytes() => StatusKilobytes("VmHWM:") * 1024;

    public long CurrentMemoryBytes() => StatusKilobytes("VmRSS:") * 1024;

    /// <summary>Resets VmHWM to the current RSS (writing 5 to /proc/PID/clear_refs), so a scenario's own peak can be read.</summary>
    public void ResetPeakMemory()
    {
        try
        {
            File.WriteAllText($"/proc/{Id}/clear_refs", "5");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.WriteLine($"  (cannot reset the peak RSS: {e.Message}; peaks are since the host started)");
        }
    }

    private long StatusKilobytes(string field)
    {
        var line = File.ReadLines($"/proc/{Id}/status").First(l => l.StartsWith(field, StringComparison.Ordinal));
        return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        _process.Dispose();
    }
}
