using System.ComponentModel.DataAnnotations;

namespace PhotoApi.Data;

/// <summary>Database settings: <c>ConnectionStrings__Photos</c> and the <c>Database__*</c> keys.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary>Npgsql connection string, from <c>ConnectionStrings:Photos</c>.</summary>
    [Required(ErrorMessage = "ConnectionStrings__Photos is required: an Npgsql connection string for the photo database.")]
    public string ConnectionString { get; set; } = "";

    /// <summary>Apply pending migrations when the API starts.</summary>
    public bool MigrateOnStartup { get; set; } = true;
}
