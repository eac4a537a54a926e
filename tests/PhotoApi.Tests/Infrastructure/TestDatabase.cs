using Npgsql;
using PhotoApi.Data;
using Testcontainers.PostgreSql;

namespace PhotoApi.Tests.Infrastructure;

/// <summary>
/// A fresh database on a real PostgreSQL for one fixture: on the server named by PHOTOAPI_TEST_DB (an admin connection
/// string, set by scripts/test.sh), or else in a Testcontainers PostgreSQL. The real migrations are applied; it is dropped at the end.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private static readonly SemaphoreSlim ServerGate = new(1, 1);
    private static string? _serverConnectionString;
    private static PostgreSqlContainer? _container;

    private readonly string _adminConnectionString;

    private TestDatabase(string adminConnectionString, string name, string connectionString)
    {
        _adminConnectionString = adminConnectionString;
        Name = name;
        ConnectionString = connectionString;
    }

    public string Name { get; }

    public string ConnectionString { get; }

    /// <param name="server">An admin connection string of a specific server (e.g. a <see cref="PostgresServer"/>); the run's shared server when null.</param>
    public static async Task<TestDatabase> CreateAsync(bool migrate = true, string? server = null)
    {
        var admin = server ?? await ServerAsync();
        var name = $"photoapi_test_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }

        var connectionString = new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
        var database = new TestDatabase(admin, name, connectionString);
        if (migrate)
        {
            await Migrations.ApplyAsync(connectionString, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        }
        return database;
    }

    /// <summary>Runs one scalar query against this database (for checks "in the database", beside the API).</summary>
    public async Task<T> ScalarAsync<T>(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (parameterName, value) in parameters)
        {
            command.Parameters.AddWithValue(parameterName, value);
        }
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async Task ExecuteAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (parameterName, value) in parameters)
        {
            command.Parameters.AddWithValue(parameterName, value);
        }
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        try
        {
            await using var connection = new NpgsqlConnection(_adminConnectionString);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }
        catch (NpgsqlException)
        {
            // The server may be down on purpose (resilience tests); a leftover test database is harmless.
        }
    }

    private static async Task<string> ServerAsync()
    {
        await ServerGate.WaitAsync();
        try
        {
            if (_serverConnectionString is not null)
            {
                return _serverConnectionString;
            }
            var configured = Environment.GetEnvironmentVariable("PHOTOAPI_TEST_DB");
            if (!string.IsNullOrWhiteSpace(configured))
            {
                return _serverConnectionString = configured;
            }

            _container = new PostgreSqlBuilder("postgres:16-alpine").Build();
            await _container.StartAsync();
            AppDomain.CurrentDomain.ProcessExit += (_, _) => _container.DisposeAsync().AsTask().GetAwaiter().GetResult();
            return _serverConnectionString = _container.GetConnectionString();
        }
        finally
        {
            ServerGate.Release();
        }
    }
}
