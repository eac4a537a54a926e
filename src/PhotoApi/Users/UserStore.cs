using Dapper;
using Npgsql;

namespace PhotoApi.Users;

/// <summary>Users by (issuer, subject), created just in time.</summary>
public sealed class UserStore(NpgsqlDataSource db)
{
    /// <summary>
    /// Creates the user on first sight, or refreshes name/email when the token carries them. One statement, so
    /// concurrent first calls with the same (issuer, subject) converge on one row (the unique key decides).
    /// </summary>
    public async Task<Guid> UpsertAsync(string issuer, string subject, string? displayName, string? email, CancellationToken cancellationToken)
    {
        const string sql = """
            INSERT INTO users (id, issuer, subject, display_name, email)
            VALUES (@Id, @Issuer, @Subject, @DisplayName, @Email)
            ON CONFLICT (issuer, subject) DO UPDATE
               SET display_name = COALESCE(EXCLUDED.display_name, users.display_name),
                   email        = COALESCE(EXCLUDED.email, users.email),
                   updated_at   = now()
            RETURNING id
            """;
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<Guid>(new CommandDefinition(sql,
            new { Id = Guid.CreateVersion7(), Issuer = issuer, Subject = subject, DisplayName = displayName, Email = email },
            cancellationToken: cancellationToken));
    }

    internal async Task<UserRow?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        const string sql = """
            SELECT u.id, u.created_at,
                   (SELECT count(*) FROM photos p WHERE p.user_id = u.id) AS photo_count
              FROM users u
             WHERE u.id = @id
            """;
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<UserRow>(new CommandDefinition(sql, new { id }, cancellationToken: cancellationToken));
    }
}
