using System.Buffers;
using System.Data;
using System.Security.Cryptography;
using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace PhotoApi.Photos.Content;

/// <summary>
/// Photo bytes in PostgreSQL as fixed-size chunks (<c>photo_chunks</c>), one transaction per upload so a failed or aborted
/// upload rolls back to the previous content. Only one chunk is in memory at a time, in either direction.
/// </summary>
public sealed class PostgresPhotoContentStore(NpgsqlDataSource db) : IPhotoContentStore
{
    /// <summary>256 KiB: large enough that a 25 MiB photo is 100 rows, small enough to keep memory flat.</summary>
    public const int ChunkSize = 256 * 1024;

    public async Task<ContentWriteResult> ReplaceAsync(Guid userId, Guid photoId, ImageFormat format, Stream body, long maxBytes, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            // The signature is checked on the first chunk, before the database is touched.
            var filled = await body.ReadAtLeastAsync(buffer.AsMemory(0, ChunkSize), ChunkSize, throwOnEndOfStream: false, cancellationToken);
            if (!format.Matches(buffer.AsMemory(0, filled)))
            {
                return new ContentWriteResult(ContentWriteStatus.TypeMismatch);
            }

            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

            // Locks the photo for the upload: concurrent uploads of one photo queue instead of interleaving chunks.
            const string lockPhoto = "SELECT content_type IS NOT NULL FROM photos WHERE id = @photoId AND user_id = @userId FOR UPDATE";
            var hadContent = await connection.QuerySingleOrDefaultAsync<bool?>(new CommandDefinition(lockPhoto, new { photoId, userId }, transaction, cancellationToken: cancellationToken));
            if (hadContent is null)
            {
                return new ContentWriteResult(ContentWriteStatus.PhotoNotFound);
            }

            const string deleteChunks = "DELETE FROM photo_chunks WHERE photo_id = @photoId";
            await connection.ExecuteAsync(new CommandDefinition(deleteChunks, new { photoId }, transaction, cancellationToken: cancellationToken));

            const string insertChunk = "INSERT INTO photo_chunks (photo_id, seq, bytes) VALUES ($1, $2, $3)";
            await using var insert = new NpgsqlCommand(insertChunk, connection, transaction);
            insert.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = photoId });
            var seq = new NpgsqlParameter<int>();
            var bytes = new NpgsqlParameter<ReadOnlyMemory<byte>> { NpgsqlDbType = NpgsqlDbType.Bytea };
            insert.Parameters.Add(seq);
            insert.Parameters.Add(bytes);

            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long total = 0;
            while (filled > 0)
            {
                total += filled;
                if (total > maxBytes)
                {
                    return new ContentWriteResult(ContentWriteStatus.TooLarge);
                }
                hash.AppendData(buffer, 0, filled);
                bytes.TypedValue = buffer.AsMemory(0, filled);
                await insert.ExecuteNonQueryAsync(cancellationToken);
                seq.TypedValue++;
                filled = await body.ReadAtLeastAsync(buffer.AsMemory(0, ChunkSize), ChunkSize, throwOnEndOfStream: false, cancellationToken);
            }

            const string setContent = $"""
                UPDATE photos
                   SET content_type = @contentType, size_bytes = @size, sha256 = @sha256, chunk_size = @chunkSize,
                       version = version + 1, updated_at = now()
                 WHERE id = @photoId AND user_id = @userId
                RETURNING {PhotoStore.Columns}
                """;
            var photo = await connection.QuerySingleAsync<PhotoRow>(new CommandDefinition(setContent, new
            {
                contentType = format.MediaType,
                size = total,
                sha256 = Convert.ToHexStringLower(hash.GetHashAndReset()),
                chunkSize = ChunkSize,
                photoId,
                userId,
            }, transaction, cancellationToken: cancellationToken));

            await transaction.CommitAsync(cancellationToken);
            return new ContentWriteResult(hadContent.Value ? ContentWriteStatus.Replaced : ContentWriteStatus.Created, photo);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    internal const string ContentSql = "SELECT content_type, size_bytes, sha256, chunk_size FROM photos WHERE id = @photoId AND user_id = @userId";

    public async Task<(PhotoContent? Content, bool PhotoExists)> OpenAsync(Guid userId, Guid photoId, CancellationToken cancellationToken)
    {
        var connection = await db.OpenConnectionAsync(cancellationToken);
        NpgsqlTransaction? transaction = null;
        try
        {
            // One snapshot for the metadata and every chunk read after it, even if the content is replaced meanwhile.
            transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
            var row = await connection.QuerySingleOrDefaultAsync<ContentRow>(new CommandDefinition(ContentSql, new { photoId, userId }, transaction, cancellationToken: cancellationToken));
            if (row?.ContentType is null)
            {
                await transaction.DisposeAsync();
                await connection.DisposeAsync();
                return (null, row is not null);
            }
            var stream = new ChunkedContentStream(connection, transaction, photoId, row.SizeBytes!.Value, row.ChunkSize!.Value);
            return (new PhotoContent(stream, row.ContentType, row.SizeBytes.Value, row.Sha256!), true);
        }
        catch
        {
            if (transaction is not null)
            {
                await transaction.DisposeAsync();
            }
            await connection.DisposeAsync();
            throw;
        }
    }

    private sealed record ContentRow(string? ContentType, long? SizeBytes, string? Sha256, int? ChunkSize);
}
