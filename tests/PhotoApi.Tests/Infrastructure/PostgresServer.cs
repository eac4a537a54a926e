using System.Diagnostics;

namespace PhotoApi.Tests.Infrastructure;

/// <summary>
/// A PostgreSQL server of the test's own (a private cluster from the distribution's packages, via scripts/pg-cluster.sh),
/// so a test can stop and start it for real in the middle of traffic.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private readonly string _script;
    private readonly string _dataDirectory;

    private PostgresServer(string script, string dataDirectory, int port)
    {
        _script = script;
        _dataDirectory = dataDirectory;
        Port = port;
    }

    public int Port { get; }

    /// <summary>Admin connection string (the cluster's superuser role) to its default database.</summary>
    public string ConnectionString { get; private set; } = "";

    public static async Task<PostgresServer> StartAsync()
    {
        var server = new PostgresServer(FindScript(), Path.Combine(Path.GetTempPath(), $"photoapi-pg-{Guid.NewGuid():N}"), FreePort.Next());
        await server.StartAgainAsync();
        return server;
    }

    public async Task StartAgainAsync() => ConnectionString = (await RunAsync("start", _dataDirectory, Port.ToString(System.Globalization.CultureInfo.InvariantCulture))).Trim();

    /// <summary>Fast shutdown: the server terminates every session and stops listening.</summary>
    public Task StopAsync() => RunAsync("stop", _dataDirectory);

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
            Directory.Delete(_dataDirectory + ".sock", recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private async Task<string> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(_script) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"pg-cluster.sh {string.Join(' ', arguments)} failed: {error}");
        }
        return output;
    }


    private static string FindScript() =>
        Environment.GetEnvironmentVariable("PHOTOAPI_PG_CLUSTER_SCRIPT") is { Length: > 0 } configured ? configured : RepositoryRoot.File("scripts", "pg-cluster.sh");
}
