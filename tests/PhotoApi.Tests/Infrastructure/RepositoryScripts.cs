using System.Diagnostics;

namespace PhotoApi.Tests.Infrastructure;

/// <summary>Runs one of the repository's scripts/*.sh (as scripts/test.sh exports PHOTOAPI_SCRIPTS, or found above the test binaries).</summary>
public static class RepositoryScripts
{
    public static async Task<string> RunAsync(string script, params string[] arguments)
    {
        var start = new ProcessStartInfo(Path.Combine(Directory(), script)) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{script} {string.Join(' ', arguments)} failed: {await error}");
        }
        return (await output).Trim();
    }

    private static string Directory()
    {
        if (Environment.GetEnvironmentVariable("PHOTOAPI_SCRIPTS") is { Length: > 0 } configured)
        {
            return configured;
        }
        return RepositoryRoot.File("scripts");
    }
}

/// <summary>
/// A real Redis (the distribution's redis-server via scripts/redis.sh): the run's shared one (PHOTOAPI_TEST_REDIS, started by
/// scripts/test.sh), or one of the test's own, which the test may stop and start in the middle of traffic.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly string? _dataDirectory;

    private RedisServer(string configuration, string? dataDirectory, int port)
    {
        Configuration = configuration;
        _dataDirectory = dataDirectory;
        Port = port;
    }

    /// <summary>The StackExchange.Redis configuration string, for <c>ConnectionStrings:Redis</c>.</summary>
    public string Configuration { get; }

    public int Port { get; }

    /// <summary>The run's Redis, shared by every test that does not stop it.</summary>
    public static RedisServer Shared { get; } = new(
        Environment.GetEnvironmentVariable("PHOTOAPI_TEST_REDIS") is { Length: > 0 } shared ? shared : "127.0.0.1:54332", null, 0);

    public static async Task<RedisServer> StartOwnAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"photoapi-redis-{Guid.NewGuid():N}");
        var port = FreePort.Next();
        var configuration = await RepositoryScripts.RunAsync("redis.sh", "start", directory, port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return new RedisServer(configuration, directory, port);
    }

    /// <summary>Stops the server (its own only: the shared one is never stopped by a test).</summary>
    public Task StopAsync() => RepositoryScripts.RunAsync("redis.sh", "stop", _dataDirectory ?? throw new InvalidOperationException("The shared Redis is not stopped by tests."));

    public Task StartAgainAsync() => RepositoryScripts.RunAsync("redis.sh", "start", _dataDirectory!, Port.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public async ValueTask DisposeAsync()
    {
        if (_dataDirectory is null)
        {
            return;
        }
        await StopAsync();
        try
        {
            System.IO.Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>A real PgBouncer in transaction mode (the distribution's pgbouncer via scripts/pgbouncer.sh) in front of a PostgreSQL server.</summary>
public sealed class PgBouncerServer : IAsyncDisposable
{
    private readonly string _dataDirectory;

    private PgBouncerServer(string dataDirectory, string connectionString)
    {
        _dataDirectory = dataDirectory;
        ConnectionString = connectionString;
    }

    /// <summary>A connection string to the pooler (its photoapi database; set Database for another).</summary>
    public string ConnectionString { get; }

    /// <param name="server">An admin connection string of the PostgreSQL server to pool (its host, port, user and password are used).</param>
    public static async Task<PgBouncerServer> StartAsync(string server)
    {
        var upstream = new Npgsql.NpgsqlConnectionStringBuilder(server);
        var directory = Path.Combine(Path.GetTempPath(), $"photoapi-pgbouncer-{Guid.NewGuid():N}");
        var connectionString = await RepositoryScripts.RunAsync("pgbouncer.sh", "start", directory, FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            $"{upstream.Host}:{upstream.Port}", upstream.Username!, upstream.Password!);
        return new PgBouncerServer(directory, connectionString);
    }

    /// <summary>The pooled connection string for <paramref name="database"/>.</summary>
    public string For(TestDatabase database) => new Npgsql.NpgsqlConnectionStringBuilder(ConnectionString) { Database = database.Name }.ConnectionString;

    public async ValueTask DisposeAsync()
    {
        await RepositoryScripts.RunAsync("pgbouncer.sh", "stop", _dataDirectory);
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
