using System.Buffers;
using System.Security.Cryptography;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using PhotoApi.Http;
using PhotoApi.Traffic;

namespace PhotoApi.Photos.Content;

/// <summary>
/// Photo bytes in PostgreSQL as fixed-size chunks (<c>photo_chunks</c>) of one content version (<c>content_id</c>).
/// An upload stages its chunks, one short statement each, and swaps them in with one short transaction; a download
/// reads one chunk per statement. A slow client therefore holds no pooled connection, transaction or row lock for the
/// length of its transfer. Only one chunk is in memory at a time, in either direction.
/// </summary>
public sealed class PostgresPhotoContentStore(NpgsqlDataSource db, IOptions<OverloadOptions> limits, ILogger<PostgresPhotoContentStore> logger) : IPhotoContentStore
{
    /// <summary>256 KiB: large enough that a 25 MiB photo is 100 rows, small enough to keep memory flat.</summary>
    public const int ChunkSize = 256 * 1024;

    internal const string InsertChunkSql = "INSERT INTO photo_chunks (photo_id, content_id, seq, bytes) VALUES ($1, $2, $3, $4)";

    public async Task<ContentWriteResult> ReplaceAsync(Guid userId, Guid photoId, ImageFormat format, Stream body, long maxBytes, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        var contentId = Guid.CreateVersion7();
        var staged = false;
        try
        {
            // The signature is checked on the first chunk, before the database is touched.
            var filled = await body.ReadAtLeastAsync(buffer.AsMemory(0, ChunkSize), ChunkSize, throwOnEndOfStream: false, cancellationToken);
            if (!format.Matches(buffer.AsMemory(0, filled)))
            {
                return new ContentWriteResult(ContentWriteStatus.TypeMismatch);
            }
            if (!await BeginUploadAsync(userId, photoId, contentId, cancellationToken))
            {
                return new ContentWriteResult(ContentWriteStatus.PhotoNotFound);
            }
            staged = true;

            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long total = 0;
            var seq = 0;
            while (filled > 0)
            {
                total += filled;
                if (total > maxBytes)
                {
                    return new ContentWriteResult(ContentWriteStatus.TooLarge);
                }
                hash.AppendData(buffer, 0, filled);
                // Its own statement on a pooled connection, given back before the next chunk is read from the client.
                await using (var insert = db.CreateCommand(InsertChunkSql))
                {
                    insert.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = photoId });
                    insert.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = contentId });
                    insert.Parameters.Add(new NpgsqlParameter<int> { TypedValue = seq++ });
                    insert.Parameters.Add(new NpgsqlParameter<ReadOnlyMemory<byte>> { NpgsqlDbType = NpgsqlDbType.Bytea, TypedValue = buffer.AsMemory(0, filled) });
                    await insert.ExecuteNonQueryAsync(cancellationToken);
                }
                filled = await body.ReadAtLeastAsync(buffer.AsMemory(0, ChunkSize), ChunkSize, throwOnEndOfStream: false, cancellationToken);
            }

            var (status, photo) = await SwapInAsync(userId, photoId, contentId, format, total, Convert.ToHexStringLower(hash.GetHashAndReset()), cancellationToken);
            staged = status == ContentWriteStatus.PhotoNotFound;
            return new ContentWriteResult(status, photo);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            if (staged)
            {
                await DiscardAsync(contentId);
            }
        }
    }

    // Registers the upload if the photo is the user's, and sweeps uploads of this photo that died with their process.
    private async Task<bool> BeginUploadAsync(Guid userId, Guid photoId, Guid contentId, CancellationToken cancellationToken)
    {
        const string sql = """
            WITH stale AS (
                DELETE FROM content_uploads WHERE photo_id = @photoId AND started_at < now() - @abandonedAfter RETURNING content_id
            ), swept AS (
                DELETE FROM photo_chunks WHERE content_id IN (SELECT content_id FROM stale)
            )
            INSERT INTO content_uploads (content_id, photo_id)
            SELECT @contentId, id FROM photos WHERE id = @photoId AND user_id = @userId
            """;
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        // Nothing can still be running after its transfer timeout; the margin covers clock and commit delays.
        var abandonedAfter = limits.Value.TransferTimeout + TimeSpan.FromMinutes(1);
        return await connection.ExecuteAsync(new CommandDefinition(sql, new { photoId, userId, contentId, abandonedAfter }, cancellationToken: cancellationToken)) == 1;
    }

    // One short transaction: point the photo at the staged content, drop the version it replaces.
    private async Task<(ContentWriteStatus, PhotoRow?)> SwapInAsync(Guid userId, Guid photoId, Guid contentId, ImageFormat format, long size, string sha256, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        const string lockPhoto = "SELECT content_id AS previous, content_type IS NOT NULL AS had_content FROM photos WHERE id = @photoId AND user_id = @userId FOR UPDATE";
        var current = await connection.QuerySingleOrDefaultAsync<CurrentContent>(new CommandDefinition(lockPhoto, new { photoId, userId }, transaction, cancellationToken: cancellationToken));
        if (current is null)
        {
            return (ContentWriteStatus.PhotoNotFound, null);
        }

        const string setContent = $"""
            UPDATE photos
               SET content_type = @contentType, size_bytes = @size, sha256 = @sha256, chunk_size = @chunkSize, content_id = @contentId,
                   version = version + 1, updated_at = now()
             WHERE id = @photoId AND user_id = @userId
            RETURNING {PhotoStore.Columns}
            """;
        var photo = await connection.QuerySingleAsync<PhotoRow>(new CommandDefinition(setContent, new
        {
            contentType = format.MediaType,
            size,
            sha256,
            chunkSize = ChunkSize,
            contentId,
            photoId,
            userId,
        }, transaction, cancellationToken: cancellationToken));
        const string finish = """
            DELETE FROM photo_chunks WHERE content_id = @previous;
            DELETE FROM content_uploads WHERE content_id = @contentId;
            """;
        await connection.ExecuteAsync(new CommandDefinition(finish, new { previous = current.Previous ?? Guid.Empty, contentId }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return (current.HadContent ? ContentWriteStatus.Replaced : ContentWriteStatus.Created, photo);
    }

    // A failed, oversized or aborted upload: its staged chunks go; the photo never pointed at them.
    private async Task DiscardAsync(Guid contentId)
    {
        const string sql = """
            DELETE FROM photo_chunks WHERE content_id = @contentId;
            DELETE FROM content_uploads WHERE content_id = @contentId;
            """;
        try
        {
            await using var connection = await db.OpenConnectionAsync(CancellationToken.None);
            await connection.ExecuteAsync(sql, new { contentId });
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            // The database is away; the next upload of this photo sweeps these chunks.
            logger.LogWarning("Could not discard a failed upload's staged chunks: {Reason}", e.Message);
        }
    }

    internal const string ContentSql = "SELECT content_id, content_type, size_bytes, sha256, chunk_size FROM photos WHERE id = @photoId AND user_id = @userId";

    public async Task<(PhotoContent? Content, bool PhotoExists)> OpenAsync(Guid userId, Guid photoId, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<ContentRow>(new CommandDefinition(ContentSql, new { photoId, userId }, cancellationToken: cancellationToken));
        if (row?.ContentType is null || row.ContentId is null)
        {
            return (null, row is not null);
        }
        // The stream reads this version's chunks by content id: a replacement meanwhile cannot mix into it.
        var stream = new ChunkedContentStream(db, row.ContentId.Value, row.SizeBytes!.Value, row.ChunkSize!.Value);
        return (new PhotoContent(stream, row.ContentType, row.SizeBytes.Value, row.Sha256!), true);
    }

    private sealed record CurrentContent(Guid? Previous, bool HadContent);

    private sealed record ContentRow(Guid? ContentId, string? ContentType, long? SizeBytes, string? Sha256, int? ChunkSize);
}
