namespace PhotoApi.Users;

/// <summary>GET /v1/me: the caller's profile.</summary>
public sealed record MeResponse(Guid Id, string? DisplayName, string? Email, long PhotoCount, DateTime CreatedAt);

internal sealed record UserRow(Guid Id, string? DisplayName, string? Email, DateTime CreatedAt, long PhotoCount);
