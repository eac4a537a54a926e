using Microsoft.EntityFrameworkCore;

namespace PhotoApi.DevIssuer.Protocol;

/// <summary>
/// OpenIddict's applications, authorizations (remembered consents) and tokens: in PostgreSQL when
/// <c>ConnectionStrings:DevIssuer</c> is set (its own database, created at start), else in memory.
/// </summary>
public sealed class DevIssuerDbContext(DbContextOptions<DevIssuerDbContext> options) : DbContext(options)
{
    public const string ConnectionStringName = "DevIssuer";
}
