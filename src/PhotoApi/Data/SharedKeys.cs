using System.Collections.Concurrent;
using System.Security.Cryptography;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

using PhotoApi.Configuration;

namespace PhotoApi.Data;

/// <summary>The <c>SharedKeys__*</c> settings: how keys kept in PostgreSQL (table shared_keys) are re-read and rotated.</summary>
public sealed class SharedKeyOptions
{
    public const string Section = "SharedKeys";

    /// <summary>How often every instance re-reads the keys; a rotated key starts signing two of these after it was added.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a replaced key still verifies after its successor started signing (page tokens and DPoP nonces made with it).</summary>
    public TimeSpan Overlap { get; set; } = TimeSpan.FromHours(1);
}

internal sealed class SharedKeyRules : SettingsRules<SharedKeyOptions>
{
    protected override IEnumerable<string> Broken(SharedKeyOptions o)
    {
        if (o.RefreshInterval < TimeSpan.FromSeconds(1) || o.RefreshInterval > TimeSpan.FromHours(1) || o.Overlap < 2 * o.RefreshInterval)
        {
            yield return "SharedKeys__RefreshInterval must be between 00:00:01 and 01:00:00, and SharedKeys__Overlap at least twice as long.";
        }
    }
}

/// <summary>
/// A purpose a key is kept for (e.g. page tokens), and whether this instance needs it from the database (no key configured);
/// asked when the keys are read, so commands that only rotate need no valid configuration of the features.
/// </summary>
public sealed record SharedKeyPurpose(string Name, Func<bool> FromDatabase);

/// <summary>The keys of one purpose at one moment: the one to sign with, and every one that still verifies (the signing key first).</summary>
public sealed record KeySet(byte[] Signing, byte[][] Verifying, DateTimeOffset ValidUntil)
{
    /// <summary>One configured key, for ever.</summary>
    public static KeySet Fixed(byte[] key) => new(key, [key], DateTimeOffset.MaxValue);
}

/// <summary>
/// Keys that every instance on one database shares without configuration: generated once, kept in shared_keys, re-read
/// every <see cref="SharedKeyOptions.RefreshInterval"/> (<see cref="SharedKeysRefresher"/>), rotatable with an overlap.
/// </summary>
public sealed class SharedKeys(NpgsqlDataSource database, IOptions<SharedKeyOptions> options, TimeProvider time, IEnumerable<SharedKeyPurpose> purposes)
{
    private const int KeyBytes = 32;

    private readonly ConcurrentDictionary<string, Ring> _rings = new(StringComparer.Ordinal);

    /// <summary>The purposes registered by the features that use keys.</summary>
    public IReadOnlyList<SharedKeyPurpose> Purposes { get; } = purposes.ToList();

    /// <summary>The current keys of <paramref name="purpose"/>; read from the database the first time if the refresher has not yet.</summary>
    public KeySet Current(string purpose)
    {
        var ring = _rings.GetOrAdd(purpose, static _ => new Ring());
        var rows = ring.Rows;
        if (rows is null)
        {
            // Only when the start-up read failed (database down then): once, on the request path; a failure here is a 503.
            rows = LoadAsync(purpose, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        }
        var now = time.GetUtcNow();
        var set = ring.Set;
        if (set is null || now >= set.ValidUntil || !ReferenceEquals(ring.SetFrom, rows))
        {
            set = Compute(rows, now);
            ring.Publish(rows, set);
        }
        return set;
    }

    /// <summary>When the keys were last read successfully (this instance's clock); null before the first read.</summary>
    public DateTimeOffset? LastRefresh { get; private set; }

    /// <summary>Reads (creating version 1 if there is none) the keys of every purpose this instance takes from the database.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        foreach (var purpose in Purposes.Where(p => p.FromDatabase()))
        {
            await LoadAsync(purpose.Name, cancellationToken);
        }
        LastRefresh = now;
    }

    /// <summary>Adds the next version of every purpose (the rotate-keys command) and deletes versions that no longer verify.</summary>
    public async Task RotateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        foreach (var purpose in Purposes.Select(p => p.Name))
        {
            // Two rotations at once add one version (the second finds its number taken).
            const string rotate = """
                INSERT INTO shared_keys (purpose, version, secret, created_at)
                SELECT @purpose, COALESCE(MAX(version), 0) + 1, @secret, @now FROM shared_keys WHERE purpose = @purpose
                ON CONFLICT (purpose, version) DO NOTHING
                """;
            await connection.ExecuteAsync(new CommandDefinition(rotate, new { purpose, secret = RandomNumberGenerator.GetBytes(KeyBytes), now = time.GetUtcNow() }, cancellationToken: cancellationToken));
            var rows = await ReadAsync(connection, purpose, cancellationToken);
            var set = Compute(rows, time.GetUtcNow());
            var retired = rows.Where(r => !set.Verifying.Contains(r.Secret) && r.Version < rows[^1].Version).Select(r => r.Version).ToArray();
            const string delete = "DELETE FROM shared_keys WHERE purpose = @purpose AND version = ANY(@retired)";
            await connection.ExecuteAsync(new CommandDefinition(delete, new { purpose, retired }, cancellationToken: cancellationToken));
        }
    }

    private async ValueTask<KeyRow[]> LoadAsync(string purpose, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var rows = await ReadAsync(connection, purpose, cancellationToken);
        if (rows.Length == 0)
        {
            // Several instances starting at once on a new database: the first insert wins, everyone reads the winner.
            const string create = """
                INSERT INTO shared_keys (purpose, version, secret, created_at) VALUES (@purpose, 1, @secret, @now)
                ON CONFLICT (purpose, version) DO NOTHING
                """;
            await connection.ExecuteAsync(new CommandDefinition(create, new { purpose, secret = RandomNumberGenerator.GetBytes(KeyBytes), now = time.GetUtcNow() }, cancellationToken: cancellationToken));
            rows = await ReadAsync(connection, purpose, cancellationToken);
        }
        _rings.GetOrAdd(purpose, static _ => new Ring()).Rows = rows;
        return rows;
    }

    private static async Task<KeyRow[]> ReadAsync(NpgsqlConnection connection, string purpose, CancellationToken cancellationToken)
    {
        const string sql = "SELECT version, secret, created_at FROM shared_keys WHERE purpose = @purpose ORDER BY version";
        return (await connection.QueryAsync<KeyRow>(new CommandDefinition(sql, new { purpose }, cancellationToken: cancellationToken))).ToArray();
    }

    // Version 1 signs at once (nobody has another); a later one two refresh intervals after it was added, when every
    // instance has read it, so no instance meets a token signed with a key it does not know yet.
    private KeySet Compute(KeyRow[] rows, DateTimeOffset now)
    {
        var settings = options.Value;
        var activations = rows.Select((r, i) => i == 0 ? DateTimeOffset.MinValue : new DateTimeOffset(r.CreatedAt, TimeSpan.Zero) + 2 * settings.RefreshInterval).ToArray();
        var signing = 0;
        for (var i = rows.Length - 1; i >= 0; i--)
        {
            if (activations[i] <= now)
            {
                signing = i;
                break;
            }
        }
        var verifying = new List<byte[]> { rows[signing].Secret };
        var validUntil = DateTimeOffset.MaxValue;
        for (var i = 0; i < rows.Length; i++)
        {
            if (i > signing)
            {
                // Added, not signing yet: another instance's clock may already be past its activation.
                verifying.Add(rows[i].Secret);
                validUntil = Min(validUntil, activations[i]);
            }
            else if (i < signing && activations[i + 1] + settings.Overlap > now)
            {
                verifying.Add(rows[i].Secret);
                validUntil = Min(validUntil, activations[i + 1] + settings.Overlap);
            }
        }
        return new KeySet(rows[signing].Secret, [.. verifying], validUntil);
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private sealed record KeyRow(int Version, byte[] Secret, DateTime CreatedAt);

    private sealed class Ring
    {
        private volatile Tuple<KeyRow[], KeySet>? _published;

        public volatile KeyRow[]? Rows;

        public KeySet? Set => _published?.Item2;

        public KeyRow[]? SetFrom => _published?.Item1;

        public void Publish(KeyRow[] rows, KeySet set) => _published = Tuple.Create(rows, set);
    }
}

/// <summary>Reads the shared keys at start-up (best effort: a database that is down then is retried) and every refresh interval.</summary>
public sealed class SharedKeysRefresher(SharedKeys keys, IOptions<SharedKeyOptions> options, TimeProvider time, ILogger<SharedKeysRefresher> logger) : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await TryRefreshAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RefreshInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await TryRefreshAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task TryRefreshAsync(CancellationToken cancellationToken)
    {
        try
        {
            await keys.RefreshAsync(cancellationToken);
        }
        catch (Exception exception) when (exception is NpgsqlException or TimeoutException)
        {
            logger.LogWarning("Shared keys could not be read from the database ({Reason}); the last ones read stay in use, retried in {Interval}.",
                exception.GetType().Name, options.Value.RefreshInterval);
        }
    }
}
