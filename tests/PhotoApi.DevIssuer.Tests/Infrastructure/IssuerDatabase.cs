using Npgsql;
using Testcontainers.PostgreSql;

namespace PhotoApi.DevIssuer.Tests.Infrastructure;

/// <summary>
/// A database name of its own on a real PostgreSQL (PHOTOAPI_TEST_DB, set by scripts/test.sh, else Testcontainers) for the
/// issuer's store; the issuer creates it at start, this drops it at the end.
/// </summary>
public sealed class IssuerDatabase : IAsyncDisposable
{
    private static readonly SemaphoreSlim ServerGate = new(1, 1);
    private static string? _server;
    private static PostgreSqlContainer? _container;

    private readonly string _admin;

    private IssuerDatabase(string admin, string name)
    {
        _admin = admin;
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
    }

    public string Name { get; }

    /// <summary>What <c>ConnectionStrings:DevIssuer</c> is set to.</summary>
    public string ConnectionString { get; }

    public static async Task<IssuerDatabase> NewAsync() => new(await ServerAsync(), $"photoapi_devissuer_test_{Guid.NewGuid():N}");

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_admin);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }

    private static async Task<string> ServerAsync()
    {
        await ServerGate.WaitAsync();
        try
        {
            if (_server is not null)
            {
                return _server;
            }

            if (Environment.GetEnvironmentVariable("PHOTOAPI_TEST_DB") is { Length: > 0 } configured)
            {
                return _server = configured;
            }

            _container = new PostgreSqlBuilder("postgres:16-alpine").Build();
            await _container.StartAsync();
            AppDomain.CurrentDomain.ProcessExit += (_, _) => _container.DisposeAsync().AsTask().GetAwaiter().GetResult();
            return _server = _container.GetConnectionString();
        }
        finally
        {
            ServerGate.Release();
        }
    }
}
