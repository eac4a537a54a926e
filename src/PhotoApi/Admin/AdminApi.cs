using System.Text.Json.Serialization;
using System.Text.Json;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using PhotoApi.Auth;
using PhotoApi.Http;
using PhotoApi.OpenApi;

namespace PhotoApi.Admin;

/// <summary>Totals across all users, for operators' service accounts (client-credentials tokens with photos.admin).</summary>
public sealed record UsageResponse(long Users, long Photos, long Albums, long ContentBytes);

public static class AdminApi
{
    public static IServiceCollection AddAdmin(this IServiceCollection services) => services.AddJsonTypes(AdminJsonContext.Default);

    public static IEndpointRouteBuilder MapAdmin(this IEndpointRouteBuilder routes)
    {
        // No RequireUser: these endpoints act for a service, not for a user, and accept tokens without one.
        var admin = routes.MapGroup("/v1/admin").WithDescribedTag("Admin", "Service-wide totals for operators (photos.admin, app tokens welcome).").RequireScope(Scopes.PhotosAdmin);
        admin.MapGet("/usage", GetUsage)
            .WithName("GetUsage")
            .WithSummary("Totals of users, photos, albums and stored content bytes")
            .WithDescription("For service accounts: accepts client-credentials tokens (no user) that carry photos.admin.");
        return routes;
    }

    public static async Task<Ok<UsageResponse>> GetUsage(NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        const string sql = """
            SELECT (SELECT count(*) FROM users)                      AS users,
                   (SELECT count(*) FROM photos)                     AS photos,
                   (SELECT count(*) FROM albums)                     AS albums,
                   (SELECT coalesce(sum(size_bytes), 0) FROM photos)::bigint AS content_bytes
            """;
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return TypedResults.Ok(await connection.QuerySingleAsync<UsageResponse>(new CommandDefinition(sql, cancellationToken: cancellationToken)));
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(UsageResponse))]
internal sealed partial class AdminJsonContext : JsonSerializerContext;
