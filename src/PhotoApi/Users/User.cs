using System.Text.Json;
using System.Text.Json.Serialization;
namespace PhotoApi.Users;

/// <summary>GET /v1/me: the caller's profile; name and email as the presented token states them (null when it does not).</summary>
public sealed record MeResponse(Guid Id, string? DisplayName, string? Email, long PhotoCount, DateTime CreatedAt);

internal sealed record UserRow(Guid Id, DateTime CreatedAt, long PhotoCount);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(MeResponse))]
internal sealed partial class UsersJsonContext : JsonSerializerContext;
