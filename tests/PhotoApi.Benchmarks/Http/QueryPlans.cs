using System.Text;
using Npgsql;
using PhotoApi.Albums;
using PhotoApi.Photos;
using PhotoApi.Photos.Content;

namespace PhotoApi.Benchmarks.Http;

/// <summary>
/// EXPLAIN (ANALYZE, BUFFERS) of every hot statement, on the seeded data, with the parameters the scenarios use. The
/// statements are the stores' own constants, so the plans are those of the SQL that runs.
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

        Guid contentId;
        await using (var lookup = new NpgsqlCommand("SELECT content_id FROM photos WHERE id = $1", db))
        {
            lookup.Parameters.Add(new NpgsqlParameter { Value = ids.ContentPhoto });
            contentId = (Guid)(await lookup.ExecuteScalarAsync())!;
        }

        // The API's own statements (internal constants of the stores), with the parameters the scenarios use.
        var statements = new (string Title, string Sql, (string Name, object Value)[] Parameters)[]
        {
            ("A, B, E: one photo (PhotoStore.GetAsync)", PhotoStore.GetSql, [("id", ids.Photo), ("userId", ids.PhotoUser)]),
            ("C: first page of the heavy user's photos (PhotoStore.ListAsync, 50,000 photos)", PhotoStore.FirstPageSql,
                [("userId", ids.HeavyUser), ("limit", 26)]),
            ("C: a page 10,000 rows deep (keyset: the cursor of row 10,000)", PhotoStore.NextPageSql,
                [("userId", ids.HeavyUser), ("createdAt", new DateTimeOffset(ids.DeepCreatedAt)), ("id", ids.DeepId), ("limit", 26)]),
            ("Album list with photo counts and covers in the same statement (AlbumStore.ListAsync, LATERAL: no N+1)", AlbumStore.FirstPageSql,
                [("userId", ids.HeavyUser), ("limit", 26)]),
            ("D: content metadata (PostgresPhotoContentStore.OpenAsync)", PostgresPhotoContentStore.ContentSql,
                [("photoId", ids.ContentPhoto), ("userId", ids.HeavyUser)]),
            ("D: one content chunk, one statement each (ChunkedContentStream)", ChunkedContentStream.ChunkSql, [("", contentId), ("", 0)]),
            ("E: a new photo (PhotoStore.CreateAsync; rolled back here)", PhotoStore.CreateSql,
                [("id", Guid.CreateVersion7()), ("userId", ids.PhotoUser), ("title", "bench explain"), ("description", "rolled back"), ("takenAt", DBNull.Value)]),
        };

        var markdown = new StringBuilder();
        foreach (var (title, sql, parameters) in statements)
        {
            await using var transaction = await db.BeginTransactionAsync();
            await using var explain = new NpgsqlCommand($"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {sql}", db, transaction);
            foreach (var (name, value) in parameters)
            {
                explain.Parameters.Add(value is DBNull
                    ? new NpgsqlParameter(name, NpgsqlTypes.NpgsqlDbType.TimestampTz) { Value = DBNull.Value }
                    : new NpgsqlParameter(name, value));
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
