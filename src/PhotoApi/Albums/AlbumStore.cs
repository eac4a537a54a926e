using Dapper;
using Npgsql;
using PhotoApi.Http;
using PhotoApi.Photos;

namespace PhotoApi.Albums;

/// <summary>Albums and their memberships. Every statement is scoped by the owner's user id.</summary>
public sealed class AlbumStore(NpgsqlDataSource db)
{
    // Count and cover come from album_photos_album_added in the same statement as the album: no query per album.
    private const string SelectAlbum = """
        SELECT a.id, a.title, a.description, a.created_at, a.updated_at, m.photo_count, m.cover_photo_id
          FROM albums a
          CROSS JOIN LATERAL (
                SELECT count(*) AS photo_count,
                       (SELECT c.photo_id FROM album_photos c WHERE c.album_id = a.id
                         ORDER BY c.added_at DESC, c.photo_id DESC LIMIT 1) AS cover_photo_id
                  FROM album_photos ap
                 WHERE ap.album_id = a.id) m
        """;

    /// <summary>The first page of albums (explained in docs/performance.md by the benchmark suite).</summary>
    internal const string FirstPageSql = $"""
        {SelectAlbum}
         WHERE a.user_id = @userId
         ORDER BY a.created_at DESC, a.id DESC
         LIMIT @limit
        """;

    public async Task<IReadOnlyList<AlbumRow>> ListAsync(Guid userId, PageCursor? after, int limit, CancellationToken cancellationToken)
    {
        const string nextPage = $"""
            {SelectAlbum}
             WHERE a.user_id = @userId
               AND (a.created_at, a.id) < (@createdAt, @id)
             ORDER BY a.created_at DESC, a.id DESC
             LIMIT @limit
            """;
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var rows = after is { } cursor
            ? await connection.QueryAsync<AlbumRow>(new CommandDefinition(nextPage,
                new { userId, createdAt = new DateTimeOffset(cursor.CreatedAt), id = cursor.Id, limit }, cancellationToken: cancellationToken))
            : await connection.QueryAsync<AlbumRow>(new CommandDefinition(FirstPageSql, new { userId, limit }, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    public async Task<AlbumRow?> GetAsync(Guid userId, Guid id, CancellationToken cancellationToken)
    {
        const string sql = $"{SelectAlbum} WHERE a.id = @id AND a.user_id = @userId";
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<AlbumRow>(new CommandDefinition(sql, new { id, userId }, cancellationToken: cancellationToken));
    }

    public async Task<AlbumRow> CreateAsync(Guid userId, NewAlbum album, CancellationToken cancellationToken)
    {
        const string sql = """
            INSERT INTO albums (id, user_id, title, description)
            VALUES (@id, @userId, @title, @description)
            RETURNING id, title, description, created_at, updated_at, 0::bigint AS photo_count, NULL::uuid AS cover_photo_id
            """;
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleAsync<AlbumRow>(new CommandDefinition(sql,
            new { id = Guid.CreateVersion7(), userId, title = album.Title, description = album.Description }, cancellationToken: cancellationToken));
    }

    public async Task<AlbumRow?> UpdateAsync(Guid userId, Guid id, AlbumChanges changes, CancellationToken cancellationToken)
    {
        const string sql = """
            UPDATE albums
               SET title       = CASE WHEN @setTitle THEN @title ELSE title END,
                   description = CASE WHEN @setDescription THEN @description ELSE description END,
                   updated_at  = now()
             WHERE id = @id AND user_id = @userId
            """;
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var updated = await connection.ExecuteAsync(new CommandDefinition(sql, new
        {
            id,
            userId,
            setTitle = changes.Title.IsSet,
            title = changes.Title.Value,
            setDescription = changes.Description.IsSet,
            description = changes.Description.Value,
        }, cancellationToken: cancellationToken));
        return updated == 1 ? await GetAsync(userId, id, cancellationToken) : null;
    }

    /// <summary>Deletes the album and its memberships; the photos stay.</summary>
    public async Task<bool> DeleteAsync(Guid userId, Guid id, CancellationToken cancellationToken)
    {
        const string sql = "DELETE FROM albums WHERE id = @id AND user_id = @userId";
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(sql, new { id, userId }, cancellationToken: cancellationToken)) == 1;
    }

    /// <summary>
    /// Adds the photo to the album; adding it again changes nothing. False when the album or the photo is not the user's
    /// (the join finds nothing, so nothing is inserted).
    /// </summary>
    public async Task<bool> AddPhotoAsync(Guid userId, Guid albumId, Guid photoId, CancellationToken cancellationToken)
    {
        const string sql = """
            WITH target AS (
                SELECT a.id AS album_id, p.id AS photo_id, a.user_id
                  FROM albums a
                  JOIN photos p ON p.id = @photoId AND p.user_id = a.user_id
                 WHERE a.id = @albumId AND a.user_id = @userId
            ), added AS (
                INSERT INTO album_photos (album_id, photo_id, user_id)
                SELECT album_id, photo_id, user_id FROM target
                ON CONFLICT (album_id, photo_id) DO NOTHING
                RETURNING album_id
            ), touched AS (
                UPDATE albums SET updated_at = now()
                 WHERE id IN (SELECT album_id FROM added)
            )
            SELECT count(*) FROM target
            """;
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(sql, new { userId, albumId, photoId }, cancellationToken: cancellationToken)) == 1;
    }

    /// <summary>Removes the photo from the album; false when it was not in it (or either is not the user's).</summary>
    public async Task<bool> RemovePhotoAsync(Guid userId, Guid albumId, Guid photoId, CancellationToken cancellationToken)
    {
        const string sql = """
            WITH removed AS (
                DELETE FROM album_photos
                 WHERE album_id = @albumId AND photo_id = @photoId AND user_id = @userId
                RETURNING album_id
            ), touched AS (
                UPDATE albums SET updated_at = now()
                 WHERE id IN (SELECT album_id FROM removed)
            )
            SELECT count(*) FROM removed
            """;
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(sql, new { userId, albumId, photoId }, cancellationToken: cancellationToken)) == 1;
    }

    /// <summary>The album's photos in the order they were added; null when the album is not the user's.</summary>
    public async Task<IReadOnlyList<(PhotoRow Photo, DateTime AddedAt)>?> ListPhotosAsync(Guid userId, Guid albumId, PageCursor? after, int limit, CancellationToken cancellationToken)
    {
        const string firstPage = $"""
            SELECT {PhotoStore.ColumnsOfP}, ap.added_at
              FROM album_photos ap
              JOIN photos p ON p.id = ap.photo_id AND p.user_id = ap.user_id
             WHERE ap.album_id = @albumId AND ap.user_id = @userId
             ORDER BY ap.added_at, ap.photo_id
             LIMIT @limit
            """;
        const string nextPage = $"""
            SELECT {PhotoStore.ColumnsOfP}, ap.added_at
              FROM album_photos ap
              JOIN photos p ON p.id = ap.photo_id AND p.user_id = ap.user_id
             WHERE ap.album_id = @albumId AND ap.user_id = @userId
               AND (ap.added_at, ap.photo_id) > (@addedAt, @photoId)
             ORDER BY ap.added_at, ap.photo_id
             LIMIT @limit
            """;
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var rows = (await connection.QueryAsync<PhotoRow, Membership, (PhotoRow, DateTime)>(new CommandDefinition(
            after is null ? firstPage : nextPage,
            new { userId, albumId, addedAt = after is { } c ? new DateTimeOffset(c.CreatedAt) : default, photoId = after?.Id ?? Guid.Empty, limit },
            cancellationToken: cancellationToken), (photo, membership) => (photo, membership.AddedAt), splitOn: "added_at")).AsList();

        if (rows.Count == 0)
        {
            // An empty page: tell an empty album from one that is not the user's.
            const string owned = "SELECT EXISTS (SELECT 1 FROM albums WHERE id = @albumId AND user_id = @userId)";
            if (!await connection.ExecuteScalarAsync<bool>(new CommandDefinition(owned, new { albumId, userId }, cancellationToken: cancellationToken)))
            {
                return null;
            }
        }
        return rows;
    }

    private sealed record Membership(DateTime AddedAt);
}
