using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using PhotoApi.Data;

namespace PhotoApi.Benchmarks.Http;

/// <summary>
/// How much data a run works on. The first user is the heavy one (scenario C pages through its photos); the 20,000 others
/// are scenario P's distinct users.
/// </summary>
public sealed record SeedSize(int Users, int Photos, int HeavyUserPhotos, int Albums, int PhotosPerAlbum)
{
    public static readonly SeedSize Full = new(20_001, 1_000_000, 50_000, 20, 100);
    public static readonly SeedSize Smoke = new(200, 5_000, 2_000, 4, 20);
}

/// <summary>
/// Fills the benchmark database with set-based SQL (INSERT ... SELECT generate_series), once: a <c>bench_seed</c> row
/// records what was seeded, and a database that already holds this size is left as it is.
/// </summary>
public static class Seeder
{
    /// <summary>Deterministic ids, so every run (and every re-seed) names the same rows.</summary>
    public static Guid UserId(int n) => Guid.Parse($"00000000-0000-4000-8000-{n:x12}");

    public static Guid PhotoId(int n) => Guid.Parse($"01900000-0000-7000-8000-{n:x12}");

    public static string Subject(int n) => $"bench-{n:d5}";

    public static async Task SeedAsync(string connectionString, SeedSize size, string issuer, TextWriter log)
    {
        await Migrations.ApplyAsync(connectionString, NullLogger.Instance);
        await using var db = new NpgsqlConnection(connectionString);
        await db.OpenAsync();
        await db.ExecuteAsync("CREATE TABLE IF NOT EXISTS bench_seed (users int, photos int, heavy int, albums int, seeded_at timestamptz NOT NULL DEFAULT now())");
        var seeded = await db.QuerySingleOrDefaultAsync<bool>(
            "SELECT true FROM bench_seed WHERE users = @Users AND photos = @Photos AND heavy = @HeavyUserPhotos AND albums = @Albums", size);
        if (seeded && await db.ExecuteScalarAsync<long>("SELECT count(*) FROM photos") >= size.Photos)
        {
            log.WriteLine($"Database already seeded with {size.Photos:N0} photos of {size.Users:N0} users; reusing it.");
        }
        else
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            log.WriteLine($"Seeding {size.Photos:N0} photos of {size.Users:N0} users (set-based SQL)...");
            await InsertAsync(db, size, issuer);
            log.WriteLine($"Seeded in {started.Elapsed.TotalSeconds:F0} s.");
        }

        // Every run starts from the same state: the issuer's URL, no rows written by an earlier scenario E.
        await db.ExecuteAsync("UPDATE users SET issuer = @issuer WHERE issuer <> @issuer", new { issuer });
        var removed = await db.ExecuteAsync("DELETE FROM photos WHERE title = 'bench write'");
        if (removed > 0)
        {
            await db.ExecuteAsync("VACUUM (ANALYZE) photos");
        }
    }

    private static async Task InsertAsync(NpgsqlConnection db, SeedSize size, string issuer)
    {
        const string sql = """
            SET synchronous_commit = off;
            TRUNCATE bench_seed, album_photos, albums, content_uploads, photo_chunks, photos, users;

            INSERT INTO users (id, issuer, subject, created_at, updated_at)
            SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(u), 12, '0'))::uuid, @issuer, 'bench-' || lpad(u::text, 5, '0'),
                   timestamptz '2024-01-01 00:00:00+00', timestamptz '2024-01-01 00:00:00+00'
              FROM generate_series(1, @users) u;

            -- Photo i belongs to user 1 (the heavy user) for i <= @heavy, else to the other users in turn; one second apart.
            INSERT INTO photos (id, user_id, title, description, taken_at, created_at, updated_at)
            SELECT ('01900000-0000-7000-8000-' || lpad(to_hex(i), 12, '0'))::uuid,
                   ('00000000-0000-4000-8000-' || lpad(to_hex(CASE WHEN i <= @heavy THEN 1 ELSE 2 + (i - @heavy - 1) % (@users - 1) END), 12, '0'))::uuid,
                   'Photo ' || i,
                   CASE WHEN i % 4 = 0 THEN 'Seeded photo number ' || i || ', with a description.' END,
                   timestamptz '2024-01-01 00:00:00+00' + make_interval(secs => i) - interval '1 day',
                   timestamptz '2024-01-01 00:00:00+00' + make_interval(secs => i),
                   timestamptz '2024-01-01 00:00:00+00' + make_interval(secs => i)
              FROM generate_series(1, @photos) i;

            -- The heavy user's albums, each with its own run of photos (album lists read counts and covers in one statement).
            INSERT INTO albums (id, user_id, title, created_at, updated_at)
            SELECT ('02000000-0000-7000-8000-' || lpad(to_hex(a), 12, '0'))::uuid, '00000000-0000-4000-8000-000000000001'::uuid,
                   'Album ' || a, timestamptz '2024-06-01 00:00:00+00' + make_interval(secs => a), timestamptz '2024-06-01 00:00:00+00'
              FROM generate_series(1, @albums) a;
            INSERT INTO album_photos (album_id, photo_id, user_id, added_at)
            SELECT ('02000000-0000-7000-8000-' || lpad(to_hex(a), 12, '0'))::uuid,
                   ('01900000-0000-7000-8000-' || lpad(to_hex((a - 1) * @perAlbum + k), 12, '0'))::uuid,
                   '00000000-0000-4000-8000-000000000001'::uuid,
                   timestamptz '2024-06-02 00:00:00+00' + make_interval(secs => k)
              FROM generate_series(1, @albums) a, generate_series(1, @perAlbum) k;

            INSERT INTO bench_seed (users, photos, heavy, albums) VALUES (@users, @photos, @heavy, @albums);
            """;
        await db.ExecuteAsync(sql, new
        {
            issuer,
            users = size.Users,
            photos = size.Photos,
            heavy = size.HeavyUserPhotos,
            albums = size.Albums,
            perAlbum = size.PhotosPerAlbum,
        }, commandTimeout: 1800);
        await db.ExecuteAsync("VACUUM (ANALYZE) users, photos, albums, album_photos", commandTimeout: 1800);
    }
}
