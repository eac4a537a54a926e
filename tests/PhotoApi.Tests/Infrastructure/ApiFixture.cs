namespace PhotoApi.Tests.Infrastructure;

/// <summary>
/// One running API, its issuer and its database, shared by the tests of the "api" collection. Tests stay independent by
/// using users of their own (<see cref="NewSubject"/>): nobody else's data is visible to them, which is the point.
/// </summary>
public sealed class ApiFixture : IAsyncLifetime
{
    public const int MaxContentBytes = 1024 * 1024;

    private OwnApi _own = null!;

    public TestIssuer Issuer => _own.Issuer;

    public TestDatabase Database => _own.Database;

    public PhotoApiFactory Api => _own.Api;

    public async Task InitializeAsync()
    {
        // A small content limit keeps the size-boundary tests fast; the default (25 MiB) is tested on its own.
        _own = await OwnApi.CreateAsync(new Dictionary<string, string?> { ["Photos:MaxContentBytes"] = MaxContentBytes.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        _own.Api.StartServer();
    }

    public async Task DisposeAsync() => await _own.DisposeAsync();

    /// <summary>A subject no other test uses.</summary>
    public static string NewSubject(string name) => $"{name}-{Guid.NewGuid():N}";

    /// <summary>A client acting for <paramref name="subject"/> with the given scopes (space-delimited).</summary>
    public HttpClient AsUser(string subject, string scopes = "photos.read photos.write", IDictionary<string, object?>? claims = null) =>
        Api.WithToken(Issuer.Token(subject, scopes, claims));

    /// <summary>A client-credentials (app) token: no user behind it.</summary>
    public HttpClient AsApp(string clientId, string scopes) =>
        Api.WithToken(Issuer.Token(subject: clientId, scopes, new Dictionary<string, object?> { ["client_id"] = clientId }));
}

[CollectionDefinition(Name)]
public sealed class ApiCollection : ICollectionFixture<ApiFixture>
{
    public const string Name = "api";
}
