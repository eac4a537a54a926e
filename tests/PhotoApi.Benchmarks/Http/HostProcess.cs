using System.Diagnostics;
using System.Globalization;

namespace PhotoApi.Benchmarks.Http;

/// <summary>
/// An API under test as a child process (the benchmark host, the shipped PhotoApi, a peer), so its memory can be read from
/// /proc. Its standard output and error go to a log file whose size is the API's log volume; it is ready when it answers HTTP.
/// </summary>
public sealed class HostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private long _logBytes;
    private long _logLines;
    private bool _closed;

    private HostProcess(string name, Process process, string baseUrl, StreamWriter log)
    {
        Name = name;
        _process = process;
        BaseUrl = baseUrl;
        _log = log;
    }

    public string Name { get; }

    public string BaseUrl { get; }

    public int Id => _process.Id;

    /// <summary>From starting the process to its first HTTP answer.</summary>
    public TimeSpan StartupTime { get; private set; }

    /// <summary>Bytes and lines the process wrote to standard output and error so far.</summary>
    public (long Bytes, long Lines) LogVolume => (Interlocked.Read(ref _logBytes), Interlocked.Read(ref _logLines));

    /// <summary>The benchmark host (this assembly's <c>host</c> command): the real API plus the baseline endpoint.</summary>
    public static Task<HostProcess> StartBenchHostAsync(string connectionString, int port, string issuer, string pagingKey, string logDirectory, string dpopReplayCache = "InProcess")
    {
        var info = new ProcessStartInfo(Environment.ProcessPath!);
        var self = typeof(BenchmarkProgram).Assembly.Location;
        if (!Path.GetFileNameWithoutExtension(Environment.ProcessPath!).Equals(Path.GetFileNameWithoutExtension(self), StringComparison.Ordinal))
        {
            info.ArgumentList.Add(self);
        }
        foreach (var arg in new[] { "host", "--connection", connectionString, "--port", $"{port}", "--issuer", issuer, "--paging-key", pagingKey, "--dpop-replay-cache", dpopReplayCache })
        {
            info.ArgumentList.Add(arg);
        }
        return StartAsync("bench-host", info, $"http://127.0.0.1:{port}", logDirectory);
    }

    /// <summary>Starts <paramref name="info"/> and waits (at most 90 s) until <paramref name="baseUrl"/> answers any HTTP request.</summary>
    public static async Task<HostProcess> StartAsync(string name, ProcessStartInfo info, string baseUrl, string logDirectory)
    {
        info.RedirectStandardInput = true;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        Directory.CreateDirectory(logDirectory);
        var log = new StreamWriter(Path.Combine(logDirectory, $"{name}.log"), append: false) { AutoFlush = true };
        var started = Stopwatch.StartNew();
        var process = Process.Start(info) ?? throw new BenchmarkFailedException($"{name} did not start.");
        var host = new HostProcess(name, process, baseUrl.TrimEnd('/'), log);
        _ = host.DrainAsync(process.StandardOutput);
        _ = host.DrainAsync(process.StandardError);

        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        while (started.Elapsed < TimeSpan.FromSeconds(90) && !process.HasExited)
        {
            try
            {
                // Unauthenticated: every API under test answers 401 here once it serves.
                using var response = await client.GetAsync($"{host.BaseUrl}/v1/photos/00000000-0000-4000-8000-000000000000");
                host.StartupTime = started.Elapsed;
                Console.WriteLine($"  {name}: answering at {host.BaseUrl} after {host.StartupTime.TotalSeconds:0.00} s (pid {process.Id})");
                return host;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                await Task.Delay(50);
            }
        }
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }
        throw new BenchmarkFailedException($"{name} did not answer at {baseUrl} (exit code {(process.HasExited ? process.ExitCode : -1)}); see {logDirectory}/{name}.log.");
    }

    private async Task DrainAsync(StreamReader reader)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            Interlocked.Add(ref _logBytes, line.Length + 1);
            Interlocked.Increment(ref _logLines);
            lock (_log)
            {
                if (!_closed)
                {
                    _log.WriteLine(line);
                }
            }
        }
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
            // The benchmark host stops when its standard input closes; the others on SIGTERM (ASP.NET Core's and Node's default).
            _process.StandardInput.Close();
            using var signal = Process.Start("kill", ["-TERM", $"{_process.Id}"]);
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
        lock (_log)
        {
            _closed = true;
            _log.Dispose();
        }
    }
}
