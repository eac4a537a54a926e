using System.Text;
using Npgsql;
using PhotoApi.Photos;

namespace PhotoApi.Benchmarks.Http;

/// <summary>
/// EXPLAIN (ANALYZE, BUFFERS) of every hot statement, on the seeded data, with the parameters the scenarios use. The
/// statements are copies of those in PhotoStore, AlbumStore and the content store (a change there must be copied here).
/// Plans are taken with plan_cache_mode = force_generic_plan: with Max Auto Prepare the API runs prepared statements, and
/// the generic plan is the one a prepared statement can settle on, so it is the one that must use the indexes.
/// </summary>
public static class QueryPlans
{
    public sealed record Ids(Guid HeavyUser, Guid Photo, Guid PhotoUser, DateTime DeepCreatedAt, Guid DeepId, Guid ContentPhoto);

    public static async Task<string> ExplainAsync(string connectionString, Ids ids)
    {
        await using var db = new NpgsqlConnection(connectionString);
        await db.OpenAsync();
        await using (var set = new NpgsqlCommand("SET plan_cache_mode = force_generic_plan", db))
        {
            await set.ExecuteNonQueryAsync();
        }

        var statements = new (string Title, string Sql, object[] Parameters)[]
        {
            ("A, B, E: one photo (PhotoStore.GetAsync)",
                $"SELECT {PhotoStore.Columns} FROM photos WHERE id = $1 AND user_id = $2", [ids.Photo, ids.PhotoUser]),
            ("C: first page of the heavy user's photos (PhotoStore.ListAsync, 50,000 photos)",
                $"SELECT {PhotoStore.Columns} FROM photos WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2", [ids.HeavyUser, 26]),
            ("C: a page 10,000 rows deep (keyset: the cursor of row 10,000)",
                $"SELECT {PhotoStore.Columns} FROM photos WHERE user_id = $1 AND (created_at, id) < ($2, $3) ORDER BY created_at DESC, id DESC LIMIT $4",
                [ids.HeavyUser, new DateTimeOffset(ids.DeepCreatedAt), ids.DeepId, 26]),
            ("Album list with photo counts and covers in the same statement (AlbumStore.ListAsync, LATERAL: no N+1)",
                """
                SELECT a.id, a.title, a.description, a.created_at, a.updated_at, m.photo_count, m.cover_photo_id
                  FROM albums a
                  CROSS JOIN LATERAL (
                        SELECT count(*) AS photo_count,
                               (SELECT c.photo_id FROM album_photos c WHERE c.album_id = a.id
                                 ORDER BY c.added_at DESC, c.photo_id DESC LIMIT 1) AS cover_photo_id
                          FROM album_photos ap
                         WHERE ap.album_id = a.id) m
                 WHERE a.user_id = $1
                 ORDER BY a.created_at DESC, a.id DESC
                 LIMIT $2
                """, [ids.HeavyUser, 26]),
            ("D: content metadata (PostgresPhotoContentStore.OpenAsync)",
                "SELECT content_type, size_bytes, sha256, chunk_size FROM photos WHERE id = $1 AND user_id = $2", [ids.ContentPhoto, ids.HeavyUser]),
            ("D: content chunks, streamed in order (ChunkedContentStream)",
                "SELECT bytes FROM photo_chunks WHERE photo_id = $1 AND seq >= $2 ORDER BY seq", [ids.ContentPhoto, 0]),
            ("E: a new photo (PhotoStore.CreateAsync; rolled back here)",
                $"INSERT INTO photos (id, user_id, title, description, taken_at) VALUES ($1, $2, $3, $4, $5) RETURNING {PhotoStore.Columns}",
                [Guid.CreateVersion7(), ids.PhotoUser, "bench explain", "rolled back", DBNull.Value]),
        };

        var markdown = new StringBuilder();
        foreach (var (title, sql, parameters) in statements)
        {
            await using var transaction = await db.BeginTransactionAsync();
            await using var explain = new NpgsqlCommand($"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {sql}", db, transaction);
            foreach (var value in parameters)
            {
                explain.Parameters.Add(value is DBNull ? new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz } : new NpgsqlParameter { Value = value });
            }
            var plan = new StringBuilder();
            await using (var reader = await explain.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    plan.AppendLine(reader.GetString(0));
                }
            }
            await transaction.RollbackAsync();
            markdown.AppendLine($"**{title}**").AppendLine().AppendLine("```sql").AppendLine(sql.Trim()).AppendLine("```")
                .AppendLine("```text").Append(plan).AppendLine("```").AppendLine();
        }
        return markdown.ToString();
    }
}
