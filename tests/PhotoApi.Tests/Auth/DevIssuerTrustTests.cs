namespace PhotoApi.Tests.Auth;

/// <summary>
/// The whole production trust path against the real dev issuer: the API is configured with nothing but the issuer's URL,
/// exactly as it would be for Auth0 or Entra ID, and accepts the tokens that issuer mints over HTTP.
/// </summary>
public sealed class DevIssuerTrustTests : IAsyncLifetime
{
    private DevIssuerHost _issuer = null!;
    private TestDatabase _database = null!;
    private PhotoApiFactory _api = null!;
    private readonly HttpClient _issuerClient = new();

    public async Task InitializeAsync()
    {
        _issuer = new DevIssuerHost();
        _issuerClient.BaseAddress = _issuer.BaseAddress;
        _database = await TestDatabase.CreateAsync();
        // No trailing slash on purpose: OpenIddict's issuer has one, and PhotoApi takes the exact value from discovery.
        _api = new PhotoApiFactory(_issuer.BaseAddress.AbsoluteUri.TrimEnd('/'), _database.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        _issuerClient.Dispose();
        await _api.DisposeAsync();
        await _issuer.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task ClientCredentialsToken_FromTheDevIssuer_ReadsAdminUsage()
    {
        var token = await ClientCredentialsAsync("photo-admin-job", "photo-admin-job-secret");

        var response = await _api.WithToken(token).GetAsync("/v1/admin/usage");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task ClientCredentialsToken_IsRefusedOnUserEndpoints()
    {
        var token = await ClientCredentialsAsync("photoprint-service", "photoprint-service-secret");

        var problem = await HttpAssert.Problem(await _api.WithToken(token).GetAsync("/v1/photos"), HttpStatusCode.Forbidden);

        Assert.Contains("user-delegated", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DevUserToken_ReadsButCannotWriteWithOnlyPhotosRead()
    {
        var client = _api.WithToken(await _issuer.DevTokenAsync("alice", "photos.read"));

        var me = await HttpAssert.Ok<JsonElement>(await client.GetAsync("/v1/me"));
        Assert.Equal("Alice Example", me.GetProperty("displayName").GetString());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/photos")).StatusCode);
        var write = await client.PostAsJsonAsync("/v1/photos", new { title = "nope" });
        Assert.Equal(HttpStatusCode.Forbidden, write.StatusCode);
        Assert.Equal("photos.write", HttpAssert.BearerChallenge(write)["scope"]);
    }

    [Fact]
    public async Task MetadataAddress_CanPointAtTheRfc8414AuthorizationServerMetadata()
    {
        await using var api = new PhotoApiFactory(_issuer.BaseAddress.AbsoluteUri, _database.ConnectionString, new Dictionary<string, string?>
        {
            ["Auth:MetadataAddress"] = new Uri(_issuer.BaseAddress, ".well-known/oauth-authorization-server").AbsoluteUri,
        });
        var token = await ClientCredentialsAsync("photo-admin-job", "photo-admin-job-secret");

        Assert.Equal(HttpStatusCode.OK, (await api.WithToken(token).GetAsync("/v1/admin/usage")).StatusCode);
    }

    private async Task<string> ClientCredentialsAsync(string clientId, string secret)
    {
        var response = await _issuerClient.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = clientId,
            ["client_secret"] = secret,
        }));
        return (await HttpAssert.Ok<JsonElement>(response)).GetProperty("access_token").GetString()!;
    }
}
