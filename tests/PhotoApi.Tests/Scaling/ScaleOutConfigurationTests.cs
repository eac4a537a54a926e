using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Npgsql;
using PhotoApi.Data;

namespace PhotoApi.Tests.Scaling;

/// <summary>Settings for running behind PgBouncer and beside Redis: what is refused at start-up, and what they change.</summary>
public sealed class ScaleOutConfigurationTests
{
    private const string Pooled = "Host=127.0.0.1;Port=6432;Username=photoapi;Password=photoapi;Database=photoapi";

    [Fact]
    public void TransactionPooling_WithAutoPrepareInTheConnectionString_StopsStartUpNamingBothKeys()
    {
        var error = StartUpError(new()
        {
            ["ConnectionStrings:Photos"] = Pooled + ";Max Auto Prepare=20",
            ["ConnectionStrings:PhotosMigrations"] = Pooled,
            ["Database:TransactionPooling"] = "true",
        });

        Assert.Contains("Database__TransactionPooling", error, StringComparison.Ordinal);
        Assert.Contains("Max Auto Prepare", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TransactionPooling_WithMigrationsOnStartUpButNoDirectConnection_StopsStartUpNamingTheKey()
    {
        var error = StartUpError(new() { ["ConnectionStrings:Photos"] = Pooled, ["Database:TransactionPooling"] = "true" });

        Assert.Contains("ConnectionStrings__PhotosMigrations", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TransactionPooling_WithMigrationsLeftToTheMigrateCommand_Starts()
    {
        using var app = Builder(new() { ["ConnectionStrings:Photos"] = Pooled, ["Database:TransactionPooling"] = "true", ["Database:MigrateOnStartup"] = "false" }).Build();

        app.Services.GetRequiredService<IStartupValidator>().Validate();
    }

    [Fact]
    public void TransactionPooling_TurnsAutoPrepareOff_AndKeepsTheOtherDefaults()
    {
        var pooled = new NpgsqlConnectionStringBuilder(DataSetup.WithDefaults(Pooled, transactionPooling: true));
        var direct = new NpgsqlConnectionStringBuilder(DataSetup.WithDefaults(Pooled));

        Assert.Equal(0, pooled.MaxAutoPrepare);
        Assert.Equal(32, direct.MaxAutoPrepare);
        Assert.True(pooled.NoResetOnClose);
        Assert.Equal(10, pooled.CommandTimeout);
    }

    [Fact]
    public void Migrations_UseTheDirectConnectionStringWhenSet()
    {
        using var app = Builder(new() { ["ConnectionStrings:Photos"] = Pooled, ["ConnectionStrings:PhotosMigrations"] = "Host=db;Database=photoapi" }).Build();

        Assert.Equal("Host=db;Database=photoapi", app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value.MigrationConnection);
    }

    [Fact]
    public void MalformedRedisConnectionString_StopsStartUpNamingTheKey()
    {
        var error = StartUpError(new() { ["ConnectionStrings:Photos"] = Pooled, ["ConnectionStrings:Redis"] = "127.0.0.1:6379,abortConnect=maybe" });

        Assert.Contains("ConnectionStrings__Redis", error, StringComparison.Ordinal);
    }

    private static WebApplicationBuilder Builder(Dictionary<string, string?> settings)
    {
        var builder = ApiServices.Builder(settings);
        builder.AddPhotoData();
        return builder;
    }

    private static string StartUpError(Dictionary<string, string?> settings) =>
        Assert.IsType<OptionsValidationException>(ApiServices.StartUpFailure(Builder(settings))).Message;
}
