namespace PhotoApi.Tests.Infrastructure;

/// <summary>
/// An API of the test's own: its loopback issuer, its fresh database, its settings. For stories that change the
/// configuration or break something, which the shared <see cref="ApiFixture"/> must not see.
/// </summary>
public sealed class OwnApi : IAsyncDisposable
{
    private OwnApi(TestIssuer issuer, TestDatabase database, PhotoApiFactory api)
    {
        Issuer = issuer;
        Database = database;
        Api = api;
    }

    public TestIssuer Issuer { get; }

    public TestDatabase Database { get; }

    /// <summary>The API; it starts on first use, so its host can still be configured (e.g. logging) before that.</summary>
    public PhotoApiFactory Api { get; }

    /// <param name="databaseServer">An admin connection string of a specific PostgreSQL server; the run's shared one when null.</param>
    /// <param name="time">The API's clock, for stories where time must pass (production intervals, a fake clock).</param>
    public static async Task<OwnApi> CreateAsync(IDictionary<string, string?>? settings = null, SigningKey? key = null, string? databaseServer = null, TimeProvider? time = null)
    {
        var issuer = await TestIssuer.StartAsync(key);
        var database = await TestDatabase.CreateAsync(server: databaseServer);
        return new OwnApi(issuer, database, new PhotoApiFactory(issuer.Authority, database.ConnectionString, settings, time: time));
    }

    public async ValueTask DisposeAsync()
    {
        await Api.DisposeAsync();
        await Issuer.DisposeAsync();
        await Database.DisposeAsync();
    }
}
