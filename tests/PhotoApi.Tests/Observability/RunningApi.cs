using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace PhotoApi.Tests.Observability;

/// <summary>The API as a real process in its shipped configuration (Production, its appsettings.json), with its console output.</summary>
public sealed class RunningApi : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private RunningApi(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) { _output.Enqueue(e.Data); } };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { _output.Enqueue(e.Data); } };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public Uri BaseAddress { get; }

    /// <summary>Every line the process wrote to stdout and stderr so far.</summary>
    public IReadOnlyList<string> Output => [.. _output];

    /// <summary>Starts the API with only the settings it needs (plus <paramref name="extra"/>), and waits until it is ready.</summary>
    public static async Task<RunningApi> StartAsync(TestIssuer issuer, TestDatabase database, IDictionary<string, string>? extra = null)
    {
        var port = FreePort.Next();
        var baseAddress = new Uri($"http://127.0.0.1:{port}");
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_URLS"] = baseAddress.ToString(),
            ["ConnectionStrings__Photos"] = database.ConnectionString,
            ["Auth__Authority"] = issuer.Authority,
            ["Auth__RequireHttpsMetadata"] = "false",
            ["Auth__ResourceUri"] = baseAddress.ToString().TrimEnd('/'),
            ["Paging__TokenKey"] = Convert.ToBase64String(new byte[32]),
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }
        var api = new RunningApi(ApiProcess.Start(environment), baseAddress);
        if (await ApiProcess.AnswersAsync(baseAddress, "/health/live"))
        {
            return api;
        }
        await api.DisposeAsync();
        throw new InvalidOperationException("The API process did not become ready: " + string.Join('\n', api.Output));
    }

    /// <summary>SIGTERM, as an orchestrator stops it, and waits for the process to exit.</summary>
    public async Task StopAsync()
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(timeout.Token);
        _process.WaitForExit(); // drains the redirected output
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
