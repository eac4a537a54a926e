using Microsoft.EntityFrameworkCore;

namespace PhotoApi.DevIssuer.Protocol;

/// <summary>OpenIddict's applications, authorizations and tokens, in memory: a restart forgets refresh tokens and codes (acceptable for a dev tool).</summary>
public sealed class DevIssuerDbContext(DbContextOptions<DevIssuerDbContext> options) : DbContext(options);
