using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using Npgsql;
using Xunit.Abstractions;

namespace PhotoApi.Tests.Resilience;

/// <summary>
/// The database stops, a backend is killed mid-upload, the pool is exhausted: real faults on a PostgreSQL server the test
/// owns. The API answers fast and clearly (503 + Retry-After), recovers by itself, and loses nothing it acknowledged.
/// </summary>
[Trait("Category", "Resilience")]
[Collection(ResilienceCollection.Name)]
public sealed class DatabaseResilienceTests(ITestOutputHelper output) : IAsyncLifetime
{
    private PostgresServer _server = null!;
    private TestIssuer _issuer = null!;
    private TestDatabase _database = null!;
    private PhotoApiFactory _api = null!;
    private readonly ConcurrentQueue<Exception> _unobserved = new();

    public async Task InitializeAsync()
    {
        TaskScheduler.UnobservedTaskException += OnUnobserved;
        _server = await PostgresServer.StartAsync();
        _issuer = await TestIssuer.StartAsync();
        _database = await TestDatabase.CreateAsync(server: _server.ConnectionString);
        _api = new PhotoApiFactory(_issuer.Authority, _database.ConnectionString, new Dictionary<string, string?>
        {
            ["Limits:MaxConcurrentRequests"] = "8",
            ["Limits:QueueLength"] = "16",
            ["Limits:RequestTimeout"] = "00:00:04",
        });
    }

    public async Task DisposeAsync()
    {
        TaskScheduler.UnobservedTaskException -= OnUnobserved;
        await _api.DisposeAsync();
        await _issuer.DisposeAsync();
        await _database.DisposeAsync();
        await _server.DisposeAsync();
    }

    private void OnUnobserved(object? sender, UnobservedTaskExceptionEventArgs e) => _unobserved.Enqueue(e.Exception);

    [Fact]
    public async Task DatabaseStopsMidTraffic_503sFast_HealthShowsIt_RecoversAlone_AndAcknowledgedWritesSurvive()
    {
        var client = _api.WithToken(_issuer.Token("alice", "photos.read photos.write"));
        var acknowledged = new ConcurrentDictionary<string, string>(); // photo id -> content sha256
        var statuses = new ConcurrentBag<(HttpStatusCode Status, TimeSpan Took, bool RetryAfter, string? ContentType)>();
        using var stop = new CancellationTokenSource();

        // Traffic: writers create photos with content, readers list; every acknowledged write is remembered.
        var traffic = Enumerable.Range(0, 4).Select(worker => Task.Run(async () =>
        {
            var n = 0;
            while (!stop.IsCancellationRequested)
            {
                var clock = Stopwatch.StartNew();
                HttpResponseMessage response;
                try
                {
                    if (worker % 2 == 0)
                    {
                        response = await client.PostAsJsonAsync("/v1/photos", new { title = $"w{worker}-{n++}" });
                        if (response.StatusCode == HttpStatusCode.Created)
                        {
                            var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
                            var bytes = Images.Png(50_000, seed: n);
                            var put = await client.PutAsync($"/v1/photos/{id}/content", Images.Content(bytes, "image/png"));
                            statuses.Add((put.StatusCode, clock.Elapsed, put.Headers.RetryAfter is not null, put.Content.Headers.ContentType?.MediaType));
                            acknowledged[id] = put.StatusCode == HttpStatusCode.Created ? Images.Sha256(bytes) : "";
                        }
                    }
                    else
                    {
                        response = await client.GetAsync("/v1/photos?pageSize=5");
                    }
                }
                catch (HttpRequestException)
                {
                    continue;
                }
                statuses.Add((response.StatusCode, clock.Elapsed, response.Headers.RetryAfter is not null, response.Content.Headers.ContentType?.MediaType));
                await Task.Delay(20);
            }
        })).ToList();

        await Task.Delay(TimeSpan.FromSeconds(2));
        await _server.StopAsync();
        var anonymous = _api.Anonymous();
        await Task.Delay(TimeSpan.FromSeconds(2));

        var live = await anonymous.GetAsync("/health/live");
        var ready = await anonymous.GetAsync("/health/ready");
        var duringOutage = statuses.ToArray();

        await _server.StartAgainAsync();
        var clock = Stopwatch.StartNew();
        var recovered = false;
        while (clock.Elapsed < TimeSpan.FromSeconds(20) && !recovered)
        {
            recovered = (await client.GetAsync("/v1/photos?pageSize=1")).StatusCode == HttpStatusCode.OK;
            await Task.Delay(100);
        }
        var recoveryTime = clock.Elapsed;
        await Task.Delay(TimeSpan.FromSeconds(1));
        await stop.CancelAsync();
        await Task.WhenAll(traffic);

        var all = statuses.ToArray();
        var unavailable = all.Where(s => s.Status == HttpStatusCode.ServiceUnavailable).ToList();
        output.WriteLine($"{all.Length} requests; {unavailable.Count} got 503 (slowest {unavailable.Select(s => s.Took.TotalMilliseconds).DefaultIfEmpty().Max():0} ms); recovered {recoveryTime.TotalMilliseconds:0} ms after the restart.");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.NotEmpty(unavailable);
        Assert.DoesNotContain(all, s => s.Status == HttpStatusCode.InternalServerError);
        Assert.All(unavailable, s => Assert.True(s.RetryAfter && s.ContentType == "application/problem+json", "a 503 without Retry-After or problem body"));
        Assert.All(unavailable, s => Assert.True(s.Took < TimeSpan.FromSeconds(12), $"a 503 took {s.Took}"));
        Assert.True(recovered, "the API did not recover within 20 s of PostgreSQL restarting");
        var readyAgain = false;
        for (var i = 0; i < 50 && !readyAgain; i++)
        {
            readyAgain = (await anonymous.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK;
            await Task.Delay(100);
        }
        Assert.True(readyAgain, "readiness did not come back after the restart");

        // The test's own pooled connections died with the server too (the API's data source is separate).
        NpgsqlConnection.ClearAllPools();

        // Every photo whose content upload was acknowledged is there, byte for byte.
        foreach (var (id, sha) in acknowledged.Where(a => a.Value.Length > 0))
        {
            Assert.Equal(sha, await _database.ScalarAsync<string>("SELECT sha256 FROM photos WHERE id = @id", ("id", Guid.Parse(id))));
            var stored = await _database.ScalarAsync<string>("SELECT encode(sha256(string_agg(bytes, ''::bytea ORDER BY seq)), 'hex') FROM photo_chunks WHERE photo_id = @id", ("id", Guid.Parse(id)));
            Assert.Equal(sha, stored);
        }
        Assert.Contains(acknowledged, a => a.Value.Length > 0);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.Empty(_unobserved);
        Assert.NotEmpty(duringOutage);
    }

    [Fact]
    public async Task BackendKilledDuringALargeUpload_LeavesThePreviousContentIntact()
    {
        var client = _api.WithToken(_issuer.Token("alice", "photos.read photos.write"));
        var id = await client.CreatePhotoAsync("precious");
        var original = Images.Jpeg(400_000);
        await client.UploadContentAsync(id, original, "image/jpeg");

        // A 20 MiB upload that trickles in, so it is surely mid-transaction when its backend is killed.
        var upload = new StreamContent(new SlowStream(Images.Png(20 * 1024 * 1024), chunk: 256 * 1024, delay: TimeSpan.FromMilliseconds(40)));
        upload.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        var sending = client.PutAsync($"/v1/photos/{id}/content", upload);

        var killed = 0;
        for (var i = 0; i < 100 && killed == 0; i++)
        {
            await Task.Delay(100);
            killed = await _database.ScalarAsync<int>("""
                SELECT count(pg_terminate_backend(pid))::int FROM pg_stat_activity
                 WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE 'INSERT INTO photo_chunks%'
                """);
        }
        Assert.Equal(1, killed);

        HttpStatusCode? status = null;
        try
        {
            status = (await sending).StatusCode;
        }
        catch (HttpRequestException)
        {
            // The API may also just drop the connection of an upload it can no longer store.
        }
        Assert.NotEqual(HttpStatusCode.OK, status);
        Assert.NotEqual(HttpStatusCode.InternalServerError, status);

        Assert.Equal(original, await client.GetByteArrayAsync($"/v1/photos/{id}/content"));
        Assert.Equal(Images.Sha256(original), await _database.ScalarAsync<string>("SELECT sha256 FROM photos WHERE id = @id", ("id", Guid.Parse(id))));
        Assert.Equal(2L, await _database.ScalarAsync<long>("SELECT count(*) FROM photo_chunks WHERE photo_id = @id", ("id", Guid.Parse(id))));
    }

    [Fact]
    public async Task BurstFarAboveCapacity_IsQueuedUpToTheLimitAndTheRestIsShedFast()
    {
        var client = _api.WithToken(_issuer.Token("alice", "photos.read photos.write"));
        await client.CreatePhotoAsync("one");

        // Someone holds a lock on photos: every read blocks, as under a real overload.
        await using var blocker = new NpgsqlConnection(_database.ConnectionString);
        await blocker.OpenAsync();
        var transaction = await blocker.BeginTransactionAsync();
        await using (var lockPhotos = new NpgsqlCommand("LOCK TABLE photos IN ACCESS EXCLUSIVE MODE", blocker, transaction))
        {
            await lockPhotos.ExecuteNonQueryAsync();
        }

        var burst = Enumerable.Range(0, 120).Select(async _ =>
        {
            var clock = Stopwatch.StartNew();
            var response = await client.GetAsync("/v1/photos?pageSize=1");
            return (response.StatusCode, clock.Elapsed, response.Headers.RetryAfter, response.Content.Headers.ContentType?.MediaType);
        }).ToList();
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        await transaction.RollbackAsync();
        var answers = await Task.WhenAll(burst);

        var shed = answers.Where(a => a.StatusCode == HttpStatusCode.ServiceUnavailable && a.Elapsed < TimeSpan.FromSeconds(1)).ToList();
        var served = answers.Where(a => a.StatusCode == HttpStatusCode.OK).ToList();
        output.WriteLine($"120 requests against 8 slots + 16 queued: {served.Count} served (slowest {served.Select(a => a.Elapsed.TotalMilliseconds).DefaultIfEmpty().Max():0} ms), {shed.Count} shed in under 1 s.");

        Assert.DoesNotContain(answers, a => a.StatusCode == HttpStatusCode.InternalServerError);
        Assert.All(answers, a => Assert.True(a.StatusCode is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"unexpected {a.StatusCode}"));
        Assert.True(shed.Count >= 80, $"only {shed.Count} requests were shed fast");
        Assert.True(served.Count >= 8, $"only {served.Count} queued requests were served once the lock was released");
        Assert.All(answers.Where(a => a.StatusCode == HttpStatusCode.ServiceUnavailable), a =>
        {
            Assert.NotNull(a.RetryAfter);
            Assert.Equal("application/problem+json", a.MediaType);
        });
        Assert.All(served, a => Assert.True(a.Elapsed < TimeSpan.FromSeconds(6), $"an accepted request took {a.Elapsed}"));
    }

    [Fact]
    public async Task RequestStuckOnTheDatabase_IsCutOffByTheRequestTimeoutWith503()
    {
        var client = _api.WithToken(_issuer.Token("alice", "photos.read photos.write"));
        await client.GetAsync("/v1/me");
        await using var blocker = new NpgsqlConnection(_database.ConnectionString);
        await blocker.OpenAsync();
        var transaction = await blocker.BeginTransactionAsync();
        await using (var lockPhotos = new NpgsqlCommand("LOCK TABLE photos IN ACCESS EXCLUSIVE MODE", blocker, transaction))
        {
            await lockPhotos.ExecuteNonQueryAsync();
        }

        var clock = Stopwatch.StartNew();
        var response = await client.GetAsync("/v1/photos");
        var took = clock.Elapsed;
        await transaction.RollbackAsync();

        await HttpAssert.Problem(response, HttpStatusCode.ServiceUnavailable);
        Assert.NotNull(response.Headers.RetryAfter);
        // Limits__RequestTimeout is 4 s here, well before the 10 s command timeout.
        Assert.InRange(took, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(9));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/photos")).StatusCode);
    }

    /// <summary>A request body that arrives slowly, chunk by chunk.</summary>
    private sealed class SlowStream(byte[] bytes, int chunk, TimeSpan delay) : Stream
    {
        private int _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => bytes.Length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position >= bytes.Length)
            {
                return 0;
            }
            await Task.Delay(delay, cancellationToken);
            var n = Math.Min(Math.Min(buffer.Length, chunk), bytes.Length - _position);
            bytes.AsMemory(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
        public override void Flush()
        {
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
