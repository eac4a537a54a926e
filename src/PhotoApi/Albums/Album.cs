using System.Text.Json.Serialization;
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

public sealed record AlbumPage(
    IReadOnlyList<AlbumResponse> Items,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? NextPageToken);

/// <summary>The photos of an album in the order they were added.</summary>
public sealed record AlbumPhotoPage(
    IReadOnlyList<PhotoResponse> Items,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? NextPageToken);

public sealed record CreateAlbumRequest(string Title, string? Description);

public sealed record UpdateAlbumRequest(string? Title, string? Description);

public sealed record AlbumRow(Guid Id, string Title, string? Description, DateTime CreatedAt, DateTime UpdatedAt, long PhotoCount, Guid? CoverPhotoId)
{
    public AlbumResponse ToResponse() => new(Id, Title, Description, PhotoCount, CoverPhotoId, CreatedAt, UpdatedAt);
}

public sealed record NewAlbum(string Title, string? Description);

public sealed record AlbumChanges(Http.Field<string?> Title, Http.Field<string?> Description);
