namespace PhotoApi.Tests.Infrastructure;

/// <summary>
/// The real dev issuer, a fresh database and the API trusting that issuer over HTTP: the cast of the stories that need a
/// real authorization server. Shared with PhotoPrint.Tests (compiled there by link, like TestDatabase).
/// </summary>
public sealed class DevIssuerApi : IAsyncDisposable
{
    private DevIssuerApi(DevIssuerHost issuer, TestDatabase database, PhotoApiFactory api)
    {
        Issuer = issuer;
        Database = database;
        Api = api;
    }

    public DevIssuerHost Issuer { get; }

    public TestDatabase Database { get; }

    public PhotoApiFactory Api { get; }

    /// <param name="issuerTime">The issuer's clock (a fake one where polling or expiry matters).</param>
    /// <param name="apiPort">A port fixed in advance (when the issuer must know the API's origin), or 0.</param>
    public static async Task<DevIssuerApi> StartAsync(
        IDictionary<string, string?>? issuerSettings = null, IDictionary<string, string?>? apiSettings = null, TimeProvider? issuerTime = null, int apiPort = 0)
    {
        var issuer = DevIssuerHost.With(issuerSettings, issuerTime);
        var database = await TestDatabase.CreateAsync();
        var api = new PhotoApiFactory(issuer.BaseAddress.AbsoluteUri, database.ConnectionString, apiSettings, apiPort);
        _ = api.BaseAddress; // start it
        return new DevIssuerApi(issuer, database, api);
    }

    /// <summary>Issuer and API both requiring DPoP nonces (RFC 9449 §8, §9), as a strict deployment would.</summary>
    public static Task<DevIssuerApi> RequiringDpopNoncesAsync() => StartAsync(
        new Dictionary<string, string?> { ["DevIssuer:RequireDpopNonce"] = "true" },
        new Dictionary<string, string?>
        {
            ["Auth:Dpop:RequireNonce"] = "true",
            ["Auth:Dpop:NonceKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
        });

    public async ValueTask DisposeAsync()
    {
        await Api.DisposeAsync();
        await Issuer.DisposeAsync();
        await Database.DisposeAsync();
    }
}
