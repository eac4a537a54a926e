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
            var dataSource = new NpgsqlDataSourceBuilder(options.ConnectionString)
                .UseLoggerFactory(services.GetRequiredService<ILoggerFactory>());
            return dataSource.Build();
        });
        return builder;
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
