using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Serialization;
using PhotoApi.OpenApi;
using PhotoApi.Photos;

namespace PhotoApi.Albums;

/// <summary>An album as the API shows it; the cover is the photo added most recently.</summary>
public sealed record AlbumResponse(
    Guid Id,
    string Title,
    string? Description,
    long PhotoCount,
    Guid? CoverPhotoId,
    DateTime CreatedAt,
    DateTime UpdatedAt);

/// <summary>The limits of album bodies (read in <see cref="AlbumsApi"/>).</summary>
public static class AlbumInput
{
    public const int MaxTitle = 200;
    public const int MaxDescription = 2000;
}

/// <summary>POST /v1/albums body (documentation shape; the body is read by <see cref="AlbumInput"/>).</summary>
public sealed record CreateAlbumRequest(
    [property: Required, StringLength(AlbumInput.MaxTitle, MinimumLength = 1)] string Title,
    [property: StringLength(AlbumInput.MaxDescription)] string? Description);

/// <summary>PATCH /v1/albums/{id} body: every field optional; <c>null</c> clears the description; title cannot be null.</summary>
public sealed record UpdateAlbumRequest(
    [property: NullRefused, StringLength(AlbumInput.MaxTitle, MinimumLength = 1)] string? Title,
    [property: StringLength(AlbumInput.MaxDescription)] string? Description);

public sealed record AlbumRow(Guid Id, string Title, string? Description, DateTime CreatedAt, DateTime UpdatedAt, long PhotoCount, Guid? CoverPhotoId)
{
    public AlbumResponse ToResponse() => new(Id, Title, Description, PhotoCount, CoverPhotoId, CreatedAt, UpdatedAt);
}

public sealed record NewAlbum(string Title, string? Description);

public sealed record AlbumChanges(Http.Field<string?> Title, Http.Field<string?> Description);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(AlbumResponse))]
[JsonSerializable(typeof(Http.Page<AlbumResponse>))]
[JsonSerializable(typeof(Http.Page<PhotoResponse>))]
internal sealed partial class AlbumsJsonContext : JsonSerializerContext;
