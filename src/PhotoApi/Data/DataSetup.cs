using Dapper;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;
using PhotoApi.Configuration;

namespace PhotoApi.Data;

public static class DataSetup
{
    /// <summary>One <see cref="NpgsqlDataSource"/> for the whole app, built from <c>ConnectionStrings:Photos</c>.</summary>
    public static IHostApplicationBuilder AddPhotoData(this IHostApplicationBuilder builder)
    {
        // Rows map snake_case columns onto PascalCase record members.
        DefaultTypeMap.MatchNamesWithUnderscores = true;

        builder.AddSettings<DatabaseOptions, DatabaseOptionsValidation>(DatabaseOptions.Section)
            .Configure<IConfiguration>((options, configuration) =>
            {
                options.ConnectionString = configuration.GetConnectionString("Photos") ?? options.ConnectionString;
                options.MigrationsConnectionString = configuration.GetConnectionString("PhotosMigrations") ?? options.MigrationsConnectionString;
            });

        // Optional shared state for several instances (ConnectionStrings__Redis); unset, everything stays in this process.
        builder.Services.AddOptions<RedisOptions>()
            .Configure<IConfiguration>((options, configuration) => options.ConnectionString = configuration.GetConnectionString("Redis"))
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<RedisOptions>, RedisOptionsValidation>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<SharedRedis>();

        // Keys every instance shares without configuration (page tokens, DPoP nonces), kept in PostgreSQL.
        builder.AddSettings<SharedKeyOptions, SharedKeyRules>(SharedKeyOptions.Section);
        builder.Services.AddSingleton<SharedKeys>();
        builder.Services.AddHostedService<SharedKeysRefresher>();

        builder.Services.AddSingleton(services =>
        {
            var options = services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            var dataSource = new NpgsqlDataSourceBuilder(WithDefaults(options.ConnectionString, options.TransactionPooling))
                .UseLoggerFactory(services.GetRequiredService<ILoggerFactory>());
            return dataSource.Build();
        });
        return builder;
    }

    /// <summary>
    /// Connection settings PhotoApi applies where the connection string does not set the keyword itself, so an operator
    /// can always override them. The performance ones were measured with tests/PhotoApi.Benchmarks (docs/performance.md).
    /// </summary>
    internal static readonly (string Keyword, string Value, string[] Synonyms)[] Defaults =
    [
        // Npgsql waits 15 s to connect (or for a pooled connection) and 30 s per command by default: during a database
        // outage or overload every request would hang that long. 3 s and 10 s, then a 503 with Retry-After.
        ("Timeout", "3", ["timeout"]),
        ("Command Timeout", "10", ["commandtimeout"]),
        // Every statement is auto-prepared after its second use: parse and plan once per connection, not per request.
        ("Max Auto Prepare", "32", ["maxautoprepare"]),
        // No session state is ever set on pooled connections (no SET, LISTEN, temporary tables or advisory locks outside
        // migrations), so the reset round trip on every return to the pool is waste; this also holds behind PgBouncer.
        ("No Reset On Close", "true", ["noresetonclose"]),
    ];

    /// <summary>
    /// The connection string with <see cref="Defaults"/> added for every keyword it does not set; behind a transaction-mode
    /// pooler without auto-prepare (a prepared statement lives in one server session, the pooler hands out another).
    /// </summary>
    internal static string WithDefaults(string connectionString, bool transactionPooling = false)
    {
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        var keys = given.Keys.Cast<string>().Select(k => k.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant()).ToHashSet();
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        foreach (var (keyword, value, synonyms) in Defaults)
        {
            if (!synonyms.Any(keys.Contains))
            {
                builder[keyword] = transactionPooling && keyword == "Max Auto Prepare" ? "0" : value;
            }
        }
        return builder.ConnectionString;
    }

    /// <summary>The defaults that apply under <paramref name="overrides"/> (for the benchmark report).</summary>
    internal static string PerformanceDefaults(string? overrides)
    {
        var applied = WithDefaults(overrides ?? "");
        return string.IsNullOrEmpty(overrides) ? applied : $"{applied} (overridden: {overrides})";
    }

    /// <summary>Applies migrations before the API serves anything, unless <c>Database__MigrateOnStartup=false</c>.</summary>
    public static async Task MigrateIfConfiguredAsync(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        if (options.MigrateOnStartup)
        {
            await MigrateAsync(app);
        }
    }

    public static async Task MigrateAsync(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(Migrations));
        // Straight to PostgreSQL when a direct connection string is given: the advisory lock must not go through a pooler.
        await Migrations.ApplyAsync(options.MigrationConnection, logger, app.Lifetime.ApplicationStopping);
    }
}
