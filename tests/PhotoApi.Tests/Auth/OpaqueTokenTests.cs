using Microsoft.Extensions.Time.Testing;
using PhotoApi.Auth.Introspection;

namespace PhotoApi.Tests.Auth;

/// <summary>
/// Opaque tokens and revocation against the real dev issuer (OpenIddict reference tokens, its /connect/introspect and
/// /connect/revoke), with the API configured as any production resource server would be: the issuer's URL and the API's
/// own client credentials for introspection. Also RFC 8707: a token requested for the API's RFC 9728 resource URL.
/// </summary>
public sealed class OpaqueTokenTests : IAsyncLifetime
{
    private const string Resource = "https://photos.example.test";
    private const string OpaqueClient = "photoprint-opaque";
    private const string OpaqueSecret = "photoprint-opaque-secret";

    private DevIssuerHost _issuer = null!;
    private TestDatabase _database = null!;
    private ApiHosts _apis = null!;

    public async Task InitializeAsync()
    {
        _issuer = DevIssuerHost.With(new Dictionary<string, string?> { ["DevIssuer:Resources:1"] = Resource });
        _database = await TestDatabase.CreateAsync();
        _apis = new ApiHosts(_issuer.BaseAddress.AbsoluteUri.TrimEnd('/'), _database.ConnectionString, new Dictionary<string, string?>
        {
            ["Auth:ResourceUri"] = Resource,
            ["Auth:Introspection:ClientId"] = "photo-api",
            ["Auth:Introspection:ClientSecret"] = "photo-api-secret",
        });
    }

    public async Task DisposeAsync()
    {
        await _apis.DisposeAsync();
        await _issuer.DisposeAsync();
        await _database.DisposeAsync();
    }

    private PhotoApiFactory Api(IDictionary<string, string?>? settings = null, TimeProvider? time = null) => _apis.Start(settings, time);

    private async Task<string> OpaqueTokenAsync(string scope) =>
        (await _issuer.SignInAsync(OpaqueClient, OpaqueSecret, scope)).GetProperty("access_token").GetString()!;

    private async Task RevokeAsync(string clientId, string secret, string token)
    {
        using var http = new HttpClient { BaseAddress = _issuer.BaseAddress };
        var response = await http.PostAsync("/connect/revoke", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["client_id"] = clientId,
            ["client_secret"] = secret,
            ["token"] = token,
            ["token_type_hint"] = "access_token",
        }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode); // RFC 7009 §2.2
    }

    [Fact]
    public async Task OpaqueToken_FromTheDevIssuer_ReadsAndWritesWithItsScopes()
    {
        var token = await OpaqueTokenAsync("photos.read photos.write");
        var client = Api().WithToken(token);

        Assert.DoesNotContain('.', token); // a reference token, not a JWT
        var created = await client.PostAsJsonAsync("/v1/photos", new { title = "Opaque but fine" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var list = await HttpAssert.Ok<JsonElement>(await client.GetAsync("/v1/photos"));
        Assert.Contains(list.GetProperty("items").EnumerateArray(), p => p.GetProperty("title").GetString() == "Opaque but fine");
        var me = await HttpAssert.Ok<JsonElement>(await client.GetAsync("/v1/me"));
        Assert.Equal("Alice Example", me.GetProperty("displayName").GetString());
    }

    [Fact]
    public async Task OpaqueToken_WithOnlyPhotosRead_CannotWrite()
    {
        var client = Api().WithToken(await OpaqueTokenAsync("photos.read"));

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/photos")).StatusCode);
        var write = await client.PostAsJsonAsync("/v1/photos", new { title = "nope" });
        Assert.Equal(HttpStatusCode.Forbidden, write.StatusCode);
        Assert.Equal("photos.write", HttpAssert.BearerChallenge(write)["scope"]);
    }

    [Fact]
    public async Task RevokedOpaqueToken_IsRefusedWithinTheCacheLifetime()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var token = await OpaqueTokenAsync("photos.read");
        var client = Api(time: clock).WithToken(token);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/photos")).StatusCode);

        await RevokeAsync(OpaqueClient, OpaqueSecret, token);
        clock.Advance(new IntrospectionCacheOptions().MaxLifetime + TimeSpan.FromSeconds(1)); // the shipped default

        var refused = await client.GetAsync("/v1/photos");
        await HttpAssert.InvalidToken(refused);
    }

    [Fact]
    public async Task OpaqueServiceToken_ReadsAdminUsage_UntilRevoked_AsInTheReadme()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var http = new HttpClient { BaseAddress = _issuer.BaseAddress };
        var issued = await http.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = OpaqueClient,
            ["client_secret"] = OpaqueSecret,
            ["scope"] = "photos.admin",
        }));
        var token = (await HttpAssert.Ok<JsonElement>(issued)).GetProperty("access_token").GetString()!;
        var client = Api(time: clock).WithToken(token);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/admin/usage")).StatusCode);

        await RevokeAsync(OpaqueClient, OpaqueSecret, token);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/admin/usage")).StatusCode); // the cached answer, for at most a minute
        clock.Advance(new IntrospectionCacheOptions().MaxLifetime + TimeSpan.FromSeconds(1));

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/v1/admin/usage")).StatusCode);
    }

    [Fact]
    public async Task UnknownOpaqueToken_Is401InvalidToken()
    {
        var response = await Api().WithToken("Z3Vlc3NlZC1yZWZlcmVuY2UtdG9rZW4").GetAsync("/v1/photos");

        await HttpAssert.InvalidToken(response);
    }

    [Fact]
    public async Task Rfc8707Client_GetsATokenForTheResourceUrl_AndTheApiAcceptsIt()
    {
        var tokens = await _issuer.SignInAsync("photoprint", "photoprint-secret", "photos.read", resource: Resource);
        var token = tokens.GetProperty("access_token").GetString()!;

        var payload = JsonDocument.Parse(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Decode(token.Split('.')[1])).RootElement;
        Assert.Equal(Resource, payload.GetProperty("aud").GetString());
        // Nothing configured but the resource URL (Auth__ResourceUri): it is accepted as an audience by default.
        Assert.Equal(HttpStatusCode.OK, (await Api().WithToken(token).GetAsync("/v1/photos")).StatusCode);
    }

    [Fact]
    public async Task TokenForTheResourceUrl_IsRefused_WhenTheResourceUriIsNotAnAcceptedAudience()
    {
        var token = (await _issuer.SignInAsync("photoprint", "photoprint-secret", "photos.read", resource: Resource)).GetProperty("access_token").GetString()!;

        var response = await Api(new Dictionary<string, string?> { ["Auth:AcceptResourceUriAsAudience"] = "false" }).WithToken(token).GetAsync("/v1/photos");

        await HttpAssert.Problem(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task RevokedJwt_WithIntrospectionOnWrites_IsRefusedOnPost_WhileGetStillValidatesLocally()
    {
        var token = (await _issuer.SignInAsync("photoprint", "photoprint-secret", "photos.read photos.write")).GetProperty("access_token").GetString()!;
        var client = Api(new Dictionary<string, string?> { ["Auth:Introspection:Jwts"] = "Writes" }).WithToken(token);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/photos")).StatusCode);

        await RevokeAsync("photoprint", "photoprint-secret", token);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/photos")).StatusCode); // a read: the JWT's own signature and lifetime
        var write = await client.PostAsJsonAsync("/v1/photos", new { title = "after revocation" });
        await HttpAssert.InvalidToken(write);
    }

    [Fact]
    public async Task ActiveJwt_WithIntrospectionOnWrites_Writes()
    {
        var token = (await _issuer.SignInAsync("photoprint", "photoprint-secret", "photos.read photos.write")).GetProperty("access_token").GetString()!;

        var write = await Api(new Dictionary<string, string?> { ["Auth:Introspection:Jwts"] = "Writes" }).WithToken(token).PostAsJsonAsync("/v1/photos", new { title = "still active" });

        Assert.Equal(HttpStatusCode.Created, write.StatusCode);
    }
}
