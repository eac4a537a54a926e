using Microsoft.Extensions.Options;
using Npgsql;

namespace PhotoApi.Data;

/// <summary>Database settings: <c>ConnectionStrings__Photos</c>, <c>ConnectionStrings__PhotosMigrations</c> and the <c>Database__*</c> keys.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary>Npgsql connection string, from <c>ConnectionStrings:Photos</c>.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>
    /// A direct (not pooled) connection string for migrations only, from <c>ConnectionStrings:PhotosMigrations</c>: DbUp's
    /// advisory lock is session state, which a transaction-mode pooler would hand to another client.
    /// </summary>
    public string? MigrationsConnectionString { get; set; }

    /// <summary>Apply pending migrations when the API starts.</summary>
    public bool MigrateOnStartup { get; set; } = true;

    /// <summary>
    /// The API reaches PostgreSQL through a pooler in transaction mode (PgBouncer <c>pool_mode=transaction</c>): no
    /// auto-prepared statements (PgBouncer before 1.21 cannot route them) and nothing else that lives in a session.
    /// </summary>
    public bool TransactionPooling { get; set; }

    /// <summary>The connection string migrations use: <see cref="MigrationsConnectionString"/> when set, else <see cref="ConnectionString"/>.</summary>
    public string MigrationConnection => string.IsNullOrWhiteSpace(MigrationsConnectionString) ? ConnectionString : MigrationsConnectionString;
}

/// <summary>Start-up checks that name the keys an operator must fix.</summary>
public sealed class DatabaseOptionsValidation : IValidateOptions<DatabaseOptions>
{
    public ValidateOptionsResult Validate(string? name, DatabaseOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            return ValidateOptionsResult.Fail("ConnectionStrings__Photos is required: an Npgsql connection string for the photo database.");
        }
        if (!options.TransactionPooling)
        {
            return ValidateOptionsResult.Success;
        }
        var errors = new List<string>();
        int maxAutoPrepare;
        try
        {
            maxAutoPrepare = new NpgsqlConnectionStringBuilder(options.ConnectionString).MaxAutoPrepare;
        }
        catch (ArgumentException)
        {
            return ValidateOptionsResult.Fail("ConnectionStrings__Photos is not a valid Npgsql connection string.");
        }
        if (maxAutoPrepare > 0)
        {
            errors.Add("Database__TransactionPooling=true cannot be combined with Max Auto Prepare > 0 in ConnectionStrings__Photos: a transaction-mode pooler (PgBouncer before 1.21) cannot route prepared statements. Remove Max Auto Prepare or set it to 0.");
        }
        if (options.MigrateOnStartup && string.IsNullOrWhiteSpace(options.MigrationsConnectionString))
        {
            errors.Add("Database__TransactionPooling=true with Database__MigrateOnStartup=true needs ConnectionStrings__PhotosMigrations: a direct (not pooled) connection string for migrations, whose advisory lock must not go through the pooler. Or set Database__MigrateOnStartup=false and run the 'migrate' command.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
