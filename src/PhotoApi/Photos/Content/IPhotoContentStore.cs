namespace PhotoApi.Photos.Content;

/// <summary>How an upload ended.</summary>
public enum ContentWriteStatus
{
    Created,
    Replaced,
    PhotoNotFound,
    TypeMismatch,
    TooLarge,
}

public sealed record ContentWriteResult(ContentWriteStatus Status, PhotoRow? Photo = null);

/// <summary>Stored content ready to stream: a seekable stream over the bytes (dispose it), its type, size and hash.</summary>
public sealed record PhotoContent(Stream Bytes, string ContentType, long SizeBytes, string Sha256) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => Bytes.DisposeAsync();
}

/// <summary>
/// Where photo bytes live. PostgreSQL today (<see cref="PostgresPhotoContentStore"/>); an object store can implement this
/// later. Every call is scoped by the owner: a photo that is not the user's does not exist here either.
/// </summary>
public interface IPhotoContentStore
{
    /// <summary>
    /// Streams <paramref name="body"/> in as the photo's content, all or nothing: if the body is too large, does not match
    /// <paramref name="format"/>, or the upload fails midway, the previous content stays exactly as it was.
    /// </summary>
    Task<ContentWriteResult> ReplaceAsync(Guid userId, Guid photoId, ImageFormat format, Stream body, long maxBytes, CancellationToken cancellationToken);

    /// <summary>The photo's content, or null with <paramref name="photoExists"/> telling "no such photo" from "no content yet".</summary>
    Task<(PhotoContent? Content, bool PhotoExists)> OpenAsync(Guid userId, Guid photoId, CancellationToken cancellationToken);
}
