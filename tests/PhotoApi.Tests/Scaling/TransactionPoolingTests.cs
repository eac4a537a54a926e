using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;

namespace PhotoApi.Tests.Scaling;

/// <summary>
/// The API behind a real PgBouncer in transaction mode (Debian's 1.18: no prepared statements there) with
/// Database__TransactionPooling=true: migrations go straight to PostgreSQL (ConnectionStrings__PhotosMigrations), everything
/// else through the pooler, including the shared keys and the PostgreSQL DPoP replay cache.
/// </summary>
public sealed class PooledApiFixture : IAsyncLifetime
{
    public PgBouncerServer Pooler { get; private set; } = null!;

    public TestIssuer Issuer { get; private set; } = null!;

    public TestDatabase Database { get; private set; } = null!;

    public PhotoApiFactory Api { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        // An empty database: the API migrates it at start-up, through the direct connection string.
        Database = await TestDatabase.CreateAsync(migrate: false);
        Pooler = await PgBouncerServer.StartAsync(ServerOf(Database));
        Issuer = await TestIssuer.StartAsync();
        Api = new PhotoApiFactory(Issuer.Authority, Pooler.For(Database), new Dictionary<string, string?>
        {
            ["Database:TransactionPooling"] = "true",
            ["ConnectionStrings:PhotosMigrations"] = Database.ConnectionString,
            ["Auth:ResourceUri"] = "https://photos.example",
            ["Auth:Dpop:ReplayCache"] = "PostgreSql",
            ["Paging:TokenKey"] = null,
        });
        Api.StartServer();
    }

    public async Task DisposeAsync()
    {
        await Api.DisposeAsync();
        await Issuer.DisposeAsync();
        await Pooler.DisposeAsync();
        await Database.DisposeAsync();
    }

    public HttpClient AsUser(string subject, string scopes = "photos.read photos.write") => Api.WithToken(Issuer.Token(subject, scopes));

    /// <summary>The admin connection string of the server <paramref name="database"/> lives on.</summary>
    public static string ServerOf(TestDatabase database) =>
        new Npgsql.NpgsqlConnectionStringBuilder(database.ConnectionString) { Database = "postgres" }.ConnectionString;
}

[CollectionDefinition(Name)]
public sealed class TransactionPoolingCollection : ICollectionFixture<PooledApiFixture>
{
    public const string Name = "pgbouncer";
}

[Collection(TransactionPoolingCollection.Name)]
public sealed class TransactionPoolingTests(PooledApiFixture fixture)
{
    [Fact]
    public async Task Migrations_RanDirectly_AndRequestsGoThroughThePooler()
    {
        var scripts = typeof(PhotoApi.Data.Migrations).Assembly.GetManifestResourceNames().Count(n => n.StartsWith("migrations.", StringComparison.Ordinal));
        Assert.Equal(scripts, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM schemaversions"));
        var client = fixture.AsUser(ApiFixture.NewSubject("alice"));
        await client.CreatePhotoAsync("pooled");

        var pooled = new Npgsql.NpgsqlConnectionStringBuilder(fixture.Api.Services.GetRequiredService<Npgsql.NpgsqlDataSource>().ConnectionString);
        Assert.Equal(new Npgsql.NpgsqlConnectionStringBuilder(fixture.Pooler.ConnectionString).Port, pooled.Port);
        Assert.Equal(0, pooled.MaxAutoPrepare);
    }

    [Fact]
    public async Task PhotosCrud_WithConditionalUpdate()
    {
        var client = fixture.AsUser(ApiFixture.NewSubject("alice"));
        var id = await client.CreatePhotoAsync("Original");
        var read = await client.GetAsync($"/v1/photos/{id}");
        var etag = read.Headers.ETag!;

        var stale = new HttpRequestMessage(HttpMethod.Patch, $"/v1/photos/{id}") { Content = JsonContent.Create(new { title = "Stale" }) };
        stale.Headers.TryAddWithoutValidation("If-Match", "\"0\"");
        await HttpAssert.Problem(await client.SendAsync(stale), HttpStatusCode.PreconditionFailed);
        var current = new HttpRequestMessage(HttpMethod.Patch, $"/v1/photos/{id}") { Content = JsonContent.Create(new { title = "Renamed" }) };
        current.Headers.IfMatch.Add(etag);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(current)).StatusCode);

        Assert.Equal("Renamed", (await HttpAssert.Ok<JsonElement>(await client.GetAsync($"/v1/photos/{id}"))).GetProperty("title").GetString());
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/v1/photos/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/v1/photos/{id}")).StatusCode);
    }

    [Fact]
    public async Task ContentUploadAndDownload()
    {
        var client = fixture.AsUser(ApiFixture.NewSubject("alice"));
        var id = await client.CreatePhotoAsync("With content");
        var png = Images.Png(300_000);

        await HttpAssert.Ok<JsonElement>(await client.PutAsync($"/v1/photos/{id}/content", Images.Content(png, "image/png")), HttpStatusCode.Created);

        var downloaded = await client.GetAsync($"/v1/photos/{id}/content");
        Assert.Equal(HttpStatusCode.OK, downloaded.StatusCode);
        Assert.Equal(png, await downloaded.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Albums()
    {
        var client = fixture.AsUser(ApiFixture.NewSubject("alice"));
        var album = await client.CreateAlbumAsync("Trip");
        var photo = await client.CreatePhotoAsync("first");

        Assert.Equal(HttpStatusCode.NoContent, (await client.PutAsync($"/v1/albums/{album}/photos/{photo}", null)).StatusCode);

        var fetched = await HttpAssert.Ok<JsonElement>(await client.GetAsync($"/v1/albums/{album}"));
        Assert.Equal(1, fetched.GetProperty("photoCount").GetInt64());
    }

    [Fact]
    public async Task PagingAcrossPages_WithTheKeyKeptInTheDatabase()
    {
        var client = fixture.AsUser(ApiFixture.NewSubject("alice"));
        for (var i = 0; i < 5; i++)
        {
            await client.CreatePhotoAsync($"photo {i}");
        }
        var seen = new List<string>();
        string? pageToken = null;
        do
        {
            var page = await HttpAssert.Ok<JsonElement>(await client.GetAsync($"/v1/photos?pageSize=2{(pageToken is null ? "" : $"&pageToken={pageToken}")}"));
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(p => p.GetProperty("title").GetString()!));
            pageToken = page.TryGetProperty("nextPageToken", out var next) ? next.GetString() : null;
        }
        while (pageToken is not null);

        Assert.Equal(["photo 4", "photo 3", "photo 2", "photo 1", "photo 0"], seen);
    }

    [Fact]
    public async Task AdminUsage()
    {
        var job = fixture.Api.WithToken(fixture.Issuer.Token("usage-job", "photos.admin", new Dictionary<string, object?> { ["client_id"] = "usage-job" }));

        var usage = await HttpAssert.Ok<JsonElement>(await job.GetAsync("/v1/admin/usage"));

        Assert.Equal(await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM users"), usage.GetProperty("users").GetInt64());
    }

    [Fact]
    public async Task DpopWithThePostgreSqlReplayCache_AcceptsOnce_RefusesTheReplay()
    {
        var key = DpopKey.EC();
        var token = fixture.Issuer.Token(ApiFixture.NewSubject("alice"), "photos.read", key.Cnf);
        var proof = key.Proof("GET", new Uri("https://photos.example/v1/photos"), token);
        var url = new Uri(fixture.Api.BaseAddress, "/v1/photos");

        Assert.Equal(HttpStatusCode.OK, (await fixture.Api.Anonymous().SendAsync(DpopProofs.Request(HttpMethod.Get, url, token, proof))).StatusCode);
        var replayed = await fixture.Api.Anonymous().SendAsync(DpopProofs.Request(HttpMethod.Get, url, token, proof));

        await HttpAssert.Problem(replayed, HttpStatusCode.Unauthorized);
        Assert.Equal("The DPoP proof was used before.", HttpAssert.DpopChallenge(replayed)["error_description"]);
        Assert.Equal(1L, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM dpop_proofs"));
    }

    [Fact]
    public async Task ConcurrentTraffic_HasNoErrors()
    {
        var clients = Enumerable.Range(0, 16).Select(i => fixture.AsUser(ApiFixture.NewSubject($"user{i}"))).ToArray();

        var statuses = await ConcurrentTraffic.RunAsync(clients);

        Assert.All(statuses.SelectMany(s => s), status => Assert.True(status is HttpStatusCode.Created or HttpStatusCode.OK, $"got {status}"));
    }
}

/// <summary>Why the setting exists: the same PgBouncer with the default settings (auto-prepare on) breaks under concurrent traffic.</summary>
[Collection(TransactionPoolingCollection.Name)]
public sealed class TransactionPoolingWithoutTheSettingTests(PooledApiFixture fixture, Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task DefaultSettingsBehindPgBouncer_FailWithPreparedStatementErrors()
    {
        var logs = new CapturedLogs();
        await using var api = new PhotoApiFactory(fixture.Issuer.Authority, fixture.Pooler.For(fixture.Database), new Dictionary<string, string?>
        {
            ["Database:MigrateOnStartup"] = "false",
        });
        api.ConfigureLogging = logging => logging.AddProvider(logs);
        var clients = Enumerable.Range(0, 16).Select(i => api.WithToken(fixture.Issuer.Token(ApiFixture.NewSubject($"user{i}")))).ToArray();

        var statuses = await ConcurrentTraffic.RunAsync(clients);

        var errors = logs.Entries.Where(e => e.Exception is Npgsql.PostgresException).Select(e => ((Npgsql.PostgresException)e.Exception!).SqlState).Distinct().ToList();
        output.WriteLine($"{statuses.SelectMany(s => s).Count(s => s == HttpStatusCode.InternalServerError)} of 320 requests failed with 500; SQLSTATEs: {string.Join(", ", errors)}");
        Assert.Contains(HttpStatusCode.InternalServerError, statuses.SelectMany(s => s));
        // 26000: prepared statement "_auto0" does not exist; 42P05: ... already exists (another client's, on a shared server connection).
        Assert.NotEmpty(errors);
        Assert.All(errors, state => Assert.True(state is "26000" or "42P05", $"unexpected SQLSTATE {state}"));
    }
}

/// <summary>Each client creates a photo and lists a page, ten times, all clients at once; the status of every request.</summary>
internal static class ConcurrentTraffic
{
    public static Task<List<HttpStatusCode>[]> RunAsync(IEnumerable<HttpClient> clients) => Task.WhenAll(clients.Select(async client =>
    {
        var codes = new List<HttpStatusCode>();
        for (var i = 0; i < 10; i++)
        {
            // Raw, not CreatePhotoAsync: the status is what is under test.
            codes.Add((await client.PostAsJsonAsync("/v1/photos", new { title = $"p{i}" })).StatusCode);
            codes.Add((await client.GetAsync("/v1/photos?pageSize=5")).StatusCode);
        }
        return codes;
    }));
}
