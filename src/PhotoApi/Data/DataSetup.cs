using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace PhotoApi.Data;

public static class DataSetup
{
    /// <summary>One <see cref="NpgsqlDataSource"/> for the whole app, built from <c>ConnectionStrings:Photos</c>.</summary>
    public static IHostApplicationBuilder AddPhotoData(this IHostApplicationBuilder builder)
    {
        // Rows map snake_case columns onto PascalCase record members.
        DefaultTypeMap.MatchNamesWithUnderscores = true;

        builder.Services.AddOptions<DatabaseOptions>()
            .Bind(builder.Configuration.GetSection(DatabaseOptions.Section))
            .Configure<IConfiguration>((options, configuration) =>
                options.ConnectionString = configuration.GetConnectionString("Photos") ?? options.ConnectionString)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.AddSingleton(services =>
        {
            var options = services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            var dataSource = new NpgsqlDataSourceBuilder(WithFailFastTimeouts(options.ConnectionString))
                .UseLoggerFactory(services.GetRequiredService<ILoggerFactory>());
            return dataSource.Build();
        });
        return builder;
    }

    /// <summary>
    /// Npgsql waits 15 s to connect (or for a pooled connection) and 30 s per command by default: during a database
    /// outage or overload every request would hang that long. Unless the connection string says otherwise, PhotoApi
    /// gives up after 3 s and 10 s and answers 503 with Retry-After instead.
    /// </summary>
    public static string WithFailFastTimeouts(string connectionString)
    {
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!given.ContainsKey("Timeout"))
        {
            builder.Timeout = 3;
        }
        if (!given.ContainsKey("Command Timeout") && !given.ContainsKey("CommandTimeout"))
        {
            builder.CommandTimeout = 10;
        }
        return builder.ConnectionString;
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
        await Migrations.ApplyAsync(options.ConnectionString, logger, app.Lifetime.ApplicationStopping);
    }
}
