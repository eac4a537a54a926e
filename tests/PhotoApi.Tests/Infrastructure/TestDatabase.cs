using System.Collections.Concurrent;
using System.Security.Cryptography;
using Npgsql;
using PhotoApi.Data;
using Testcontainers.PostgreSql;

namespace PhotoApi.Tests.Infrastructure;

/// <summary>
/// A fresh database on a real PostgreSQL for one fixture: on the server named by PHOTOAPI_TEST_DB (an admin connection
/// string, set by scripts/test.sh), or else in a Testcontainers PostgreSQL; it is dropped at the end. A migrated database
/// is a copy (CREATE DATABASE ... TEMPLATE) of <c>photoapi_template_HASH</c>, which the real migrations built once: HASH is
/// of the migration scripts' names and contents, so a changed migration builds a new template. Templates are kept on the
/// server for the next run (a few MB each; drop stale ones by name when you like). <c>migrate: false</c> gives an empty
/// database, for tests of the migrations themselves.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    // Any constant: test processes building the same template at once (parallel test projects) take turns.
    private const long TemplateLockKey = 0x50686f746f546d70;

    private static readonly SemaphoreSlim ServerGate = new(1, 1);
    private static readonly ConcurrentDictionary<string, Lazy<Task<string>>> Templates = new();
    private static readonly string TemplateName = $"photoapi_template_{MigrationsHash()}";
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
        var template = migrate ? await Templates.GetOrAdd(admin, a => new Lazy<Task<string>>(() => TemplateAsync(a))).Value : "template1";
        var name = $"photoapi_test_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name} TEMPLATE {template}", connection);
            await create.ExecuteNonQueryAsync();
        }

        var connectionString = new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
        return new TestDatabase(admin, name, connectionString);
    }

    /// <summary>The migrated template on this server, built by the real migrations when no test run has built it yet.</summary>
    private static async Task<string> TemplateAsync(string admin)
    {
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync();
        await using (var take = new NpgsqlCommand($"SELECT pg_advisory_lock({TemplateLockKey})", connection))
        {
            await take.ExecuteNonQueryAsync();
        }
        try
        {
            await using (var exists = new NpgsqlCommand("SELECT count(*) FROM pg_database WHERE datname = @name", connection))
            {
                exists.Parameters.AddWithValue("name", TemplateName);
                if ((long)(await exists.ExecuteScalarAsync())! == 1)
                {
                    return TemplateName;
                }
            }
            // Built under another name and renamed when complete, so a run stopped half-way leaves no half-migrated template.
            var partial = TemplateName + "_partial";
            foreach (var sql in new[] { $"DROP DATABASE IF EXISTS {partial} WITH (FORCE)", $"CREATE DATABASE {partial}" })
            {
                await using var command = new NpgsqlCommand(sql, connection);
                await command.ExecuteNonQueryAsync();
            }
            // No pooling: a template must have no open sessions when it is copied.
            var partialConnection = new NpgsqlConnectionStringBuilder(admin) { Database = partial, Pooling = false }.ConnectionString;
            await Migrations.ApplyAsync(partialConnection, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
            await using (var rename = new NpgsqlCommand($"ALTER DATABASE {partial} RENAME TO {TemplateName}", connection))
            {
                await rename.ExecuteNonQueryAsync();
            }
            return TemplateName;
        }
        finally
        {
            await using var release = new NpgsqlCommand($"SELECT pg_advisory_unlock({TemplateLockKey})", connection);
            await release.ExecuteNonQueryAsync();
        }
    }

    private static string MigrationsHash()
    {
        var assembly = typeof(Migrations).Assembly;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var script in assembly.GetManifestResourceNames().Where(n => n.StartsWith("migrations.", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(script + "\0"));
            using var stream = assembly.GetManifestResourceStream(script)!;
            using var content = new MemoryStream();
            stream.CopyTo(content);
            hash.AppendData(content.ToArray());
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
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
