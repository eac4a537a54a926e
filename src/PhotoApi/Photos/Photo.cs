using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Serialization;
using PhotoApi.OpenApi;

namespace PhotoApi.Photos;

/// <summary>A photo as the API shows it.</summary>
public sealed record PhotoResponse(
    Guid Id,
    string Title,
    string? Description,
    DateTime? TakenAt,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    [property: Description("Media type of the uploaded image; null until content is uploaded.")] string? ContentType,
    [property: Description("Size of the uploaded image in bytes; null until content is uploaded.")] long? SizeBytes,
    [property: Description("Lowercase hex SHA-256 of the uploaded image; null until content is uploaded.")] string? Sha256);

/// <summary>POST /v1/photos body (documentation shape; the body is read by <see cref="PhotoInput"/>).</summary>
public sealed record CreatePhotoRequest(
    [property: Required, StringLength(PhotoInput.MaxTitle, MinimumLength = 1)] string Title,
    [property: StringLength(PhotoInput.MaxDescription)] string? Description,
    DateTimeOffset? TakenAt);

/// <summary>PATCH /v1/photos/{id} body: every field optional; <c>null</c> clears description or takenAt; title cannot be null.</summary>
public sealed record UpdatePhotoRequest(
    [property: NullRefused, StringLength(PhotoInput.MaxTitle, MinimumLength = 1)] string? Title,
    [property: StringLength(PhotoInput.MaxDescription)] string? Description,
    DateTimeOffset? TakenAt);

/// <summary>A photo row as stored.</summary>
public sealed record PhotoRow(
    Guid Id,
    string Title,
    string? Description,
    DateTime? TakenAt,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    long Version,
    string? ContentType,
    long? SizeBytes,
    string? Sha256)
{
    public PhotoResponse ToResponse() => new(Id, Title, Description, TakenAt, CreatedAt, UpdatedAt, ContentType, SizeBytes, Sha256);

    /// <summary>Strong ETag of the photo resource; changes with every change to it, content included.</summary>
    public string ETag => Http.EntityTags.ForVersion(Version);
}

/// <summary>The validated content of a create request.</summary>
public sealed record NewPhoto(string Title, string? Description, DateTime? TakenAt);

/// <summary>The validated content of a PATCH: only fields that are set change.</summary>
public sealed record PhotoChanges(Http.Field<string?> Title, Http.Field<string?> Description, Http.Field<DateTime?> TakenAt);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(PhotoResponse))]
[JsonSerializable(typeof(Http.Page<PhotoResponse>))]
internal sealed partial class PhotosJsonContext : JsonSerializerContext;
