// The benchmark's stock .NET peer: GET /v1/photos/{id} as a .NET team writes it from Microsoft's documentation
// ("Configure JWT bearer authentication in ASP.NET Core", "Policy-based authorization", Npgsql's and Dapper's READMEs):
// AddJwtBearer with Authority and Audience, a scope policy, one NpgsqlDataSource with Npgsql's defaults, Dapper, and the
// appsettings.json that `dotnet new web` writes. No validated-token cache, no DPoP, no introspection, no rate limits.
using System.Security.Claims;
using Dapper;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Npgsql;

var builder = WebApplication.CreateBuilder(args);

builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
    .AddJwtBearer(options =>
    {
        options.Authority = builder.Configuration["Auth:Authority"];
        options.Audience = builder.Configuration["Auth:Audience"] ?? "photo-api";
        options.RequireHttpsMetadata = builder.Configuration.GetValue("Auth:RequireHttpsMetadata", true);
    });
builder.Services.AddAuthorizationBuilder()
    .AddPolicy("photos.read", policy => policy.RequireAuthenticatedUser().RequireAssertion(context =>
        context.User.FindFirst("scope")?.Value.Split(' ').Contains("photos.read") == true));
builder.Services.AddSingleton(NpgsqlDataSource.Create(builder.Configuration.GetConnectionString("Photos")!));
DefaultTypeMap.MatchNamesWithUnderscores = true;

var app = builder.Build();
app.UseAuthentication();
app.UseAuthorization();

app.MapGet("/v1/photos/{id:guid}", async (Guid id, ClaimsPrincipal user, NpgsqlDataSource db) =>
{
    // The owner is the token's issuer and subject: one statement joins the user to the photo.
    const string sql = """
        SELECT p.id, p.title, p.description, p.taken_at, p.created_at, p.updated_at, p.content_type, p.size_bytes, p.sha256
          FROM photos p JOIN users u ON u.id = p.user_id
         WHERE p.id = @id AND u.issuer = @issuer AND u.subject = @subject
        """;
    var subject = user.FindFirst(ClaimTypes.NameIdentifier)!;
    await using var connection = await db.OpenConnectionAsync();
    var photo = await connection.QuerySingleOrDefaultAsync<Photo>(sql, new { id, issuer = subject.Issuer, subject = subject.Value });
    return photo is null ? Results.NotFound() : Results.Ok(photo);
}).RequireAuthorization("photos.read");

app.Run();

internal sealed record Photo(
    Guid Id, string Title, string? Description, DateTime? TakenAt, DateTime CreatedAt, DateTime UpdatedAt,
    string? ContentType, long? SizeBytes, string? Sha256);
