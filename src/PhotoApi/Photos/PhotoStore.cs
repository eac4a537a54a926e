using Dapper;
using Npgsql;
using PhotoApi.Http;

namespace PhotoApi.Photos;

/// <summary>Photos in PostgreSQL. Every statement is scoped by the owner's user id: there is no query for "any user's photo".</summary>
public sealed class PhotoStore(NpgsqlDataSource db)
{
    /// <summary>The columns of <see cref="PhotoRow"/>, in its constructor's order.</summary>
    public const string Columns = "id, title, description, taken_at, created_at, updated_at, version, content_type, size_bytes, sha256";

    /// <summary><see cref="Columns"/> qualified with the alias <c>p</c>, for joins.</summary>
    public const string ColumnsOfP = "p.id, p.title, p.description, p.taken_at, p.created_at, p.updated_at, p.version, p.content_type, p.size_bytes, p.sha256";

    // The statements the benchmark suite explains are internal constants (tests/PhotoApi.Benchmarks/Http/QueryPlans.cs):
    // the plans in docs/performance.md are those of the SQL that runs, never of a copy.
    internal const string FirstPageSql = $"""
        SELECT {Columns}
          FROM photos
         WHERE user_id = @userId
         ORDER BY created_at DESC, id DESC
         LIMIT @limit
        """;

    internal const string NextPageSql = $"""
        SELECT {Columns}
          FROM photos
         WHERE user_id = @userId
           AND (created_at, id) < (@createdAt, @id)
         ORDER BY created_at DESC, id DESC
         LIMIT @limit
        """;

    /// <summary>Newest first, keyset-paged on (created_at, id) so page 10,000 costs what page 1 costs.</summary>
    public async Task<IReadOnlyList<PhotoRow>> ListAsync(Guid userId, PageCursor? after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var rows = after is { } cursor
            ? await connection.QueryAsync<PhotoRow>(new CommandDefinition(NextPageSql,
                new { userId, createdAt = new DateTimeOffset(cursor.CreatedAt), id = cursor.Id, limit }, cancellationToken: cancellationToken))
            : await connection.QueryAsync<PhotoRow>(new CommandDefinition(FirstPageSql, new { userId, limit }, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    internal const string GetSql = $"SELECT {Columns} FROM photos WHERE id = @id AND user_id = @userId";

    public async Task<PhotoRow?> GetAsync(Guid userId, Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<PhotoRow>(new CommandDefinition(GetSql, new { id, userId }, cancellationToken: cancellationToken));
    }

    internal const string CreateSql = $"""
        INSERT INTO photos (id, user_id, title, description, taken_at)
        VALUES (@id, @userId, @title, @description, @takenAt)
        RETURNING {Columns}
        """;

    public async Task<PhotoRow> CreateAsync(Guid userId, NewPhoto photo, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleAsync<PhotoRow>(new CommandDefinition(CreateSql, new
        {
            id = Guid.CreateVersion7(),
            userId,
            title = photo.Title,
            description = photo.Description,
            takenAt = Utc(photo.TakenAt),
        }, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Applies only the fields that were sent, if the photo is the user's and its version is one If-Match allows.
    /// A miss is answered by <see cref="ExistsAsync"/>: 412 when the photo is there, 404 when it is not.
    /// </summary>
    public async Task<PhotoRow?> UpdateAsync(Guid userId, Guid id, PhotoChanges changes, IfMatch ifMatch, CancellationToken cancellationToken)
    {
        const string sql = $"""
            UPDATE photos
               SET title       = CASE WHEN @setTitle THEN @title ELSE title END,
                   description = CASE WHEN @setDescription THEN @description ELSE description END,
                   taken_at    = CASE WHEN @setTakenAt THEN @takenAt ELSE taken_at END,
                   version     = version + 1,
                   updated_at  = now()
             WHERE id = @id AND user_id = @userId
               AND (@anyVersion OR version = ANY(@versions))
            RETURNING {Columns}
            """;
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<PhotoRow>(new CommandDefinition(sql, new
        {
            id,
            userId,
            anyVersion = ifMatch.Any,
            versions = ifMatch.Versions.ToArray(),
            setTitle = changes.Title.IsSet,
            title = changes.Title.Value,
            setDescription = changes.Description.IsSet,
            description = changes.Description.Value,
            setTakenAt = changes.TakenAt.IsSet,
            takenAt = Utc(changes.TakenAt.Value),
        }, cancellationToken: cancellationToken));
    }

    /// <summary>Deletes the photo (its content and album memberships go with it) if If-Match allows its version.</summary>
    public async Task<bool> DeleteAsync(Guid userId, Guid id, IfMatch ifMatch, CancellationToken cancellationToken)
    {
        const string sql = """
            DELETE FROM photos
             WHERE id = @id AND user_id = @userId
               AND (@anyVersion OR version = ANY(@versions))
            """;
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(sql,
            new { id, userId, anyVersion = ifMatch.Any, versions = ifMatch.Versions.ToArray() }, cancellationToken: cancellationToken)) == 1;
    }

    public async Task<bool> ExistsAsync(Guid userId, Guid id, CancellationToken cancellationToken)
    {
        const string sql = "SELECT EXISTS (SELECT 1 FROM photos WHERE id = @id AND user_id = @userId)";
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(sql, new { id, userId }, cancellationToken: cancellationToken));
    }

    // Dapper sends DateTime as 'timestamp without time zone'; a UTC DateTimeOffset goes as timestamptz.
    private static DateTimeOffset? Utc(DateTime? value) => value is { } v ? new DateTimeOffset(DateTime.SpecifyKind(v, DateTimeKind.Utc)) : null;
}
