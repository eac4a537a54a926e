using System.Text.Json;
using PhotoApi.Tests.Infrastructure;

namespace PhotoApi.Tests.Auth;

/// <summary>
/// Five providers trusted at once, each with its own profile, each a loopback issuer serving discovery and JWKS over HTTP
/// and signing tokens shaped the way that provider documents them.
/// </summary>
public sealed class ProviderFixture : IAsyncLifetime
{
    public const string EntraAudience = "api://photo-api";
    public const string CognitoClientId = "7q2kds0ofnsd2rsa4fvmjgr0ne";

    public TestIssuer Auth0 { get; private set; } = null!;
    public TestIssuer Entra { get; private set; } = null!;
    public TestIssuer Okta { get; private set; } = null!;
    public TestIssuer Keycloak { get; private set; } = null!;
    public TestIssuer Cognito { get; private set; } = null!;
    /// <summary>A real, reachable issuer that is not trusted: it must never be asked anything.</summary>
    public TestIssuer Stranger { get; private set; } = null!;
    public TestDatabase Database { get; private set; } = null!;
    public PhotoApiFactory Api { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Auth0 = await TestIssuer.StartAsync(SigningKey.Rsa("auth0-key"), issuerSuffix: "/");
        Entra = await TestIssuer.StartAsync(SigningKey.Rsa("entra-key"), issuerSuffix: "/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0");
        Okta = await TestIssuer.StartAsync(SigningKey.Rsa("okta-key"), issuerSuffix: "/oauth2/default");
        Keycloak = await TestIssuer.StartAsync(SigningKey.Rsa("keycloak-key", "PS256"), issuerSuffix: "/realms/photos");
        Cognito = await TestIssuer.StartAsync(SigningKey.Rsa("cognito-key"), issuerSuffix: "/eu-west-1_AbCdEfGhI");
        Stranger = await TestIssuer.StartAsync(SigningKey.EC("stranger-key"));
        Database = await TestDatabase.CreateAsync();
        Api = new PhotoApiFactory(authority: null, Database.ConnectionString, new Dictionary<string, string?>
        {
            ["Auth:Issuers:0:Authority"] = Auth0.Authority,
            ["Auth:Issuers:0:Profile"] = "auth0",
            ["Auth:Issuers:1:Authority"] = Entra.Authority,
            ["Auth:Issuers:1:Profile"] = "entra",
            ["Auth:Issuers:1:Audience"] = EntraAudience,
            ["Auth:Issuers:1:ScopeMap:Photos.Read"] = "photos.read",
            ["Auth:Issuers:1:ScopeMap:Photos.Write"] = "photos.write",
            ["Auth:Issuers:1:ScopeMap:Photos.Usage.Read.All"] = "photos.admin",
            ["Auth:Issuers:2:Authority"] = Okta.Authority,
            ["Auth:Issuers:2:Profile"] = "okta",
            ["Auth:Issuers:3:Authority"] = Keycloak.Authority,
            ["Auth:Issuers:3:Profile"] = "keycloak",
            ["Auth:Issuers:3:ScopeMap:photo-admin"] = "photos.admin",
            ["Auth:Issuers:4:Authority"] = Cognito.Authority,
            ["Auth:Issuers:4:Profile"] = "cognito",
            ["Auth:Issuers:4:Audience"] = CognitoClientId,
            // Cognito's scope names contain ':', which configuration keys cannot: the "from=to ..." string form.
            ["Auth:Issuers:4:ScopeMap"] = "https://photos.example.com/photos.read=photos.read https://photos.example.com/photos.admin=photos.admin",
        });
        Api.StartServer();
    }

    public async Task DisposeAsync()
    {
        await Api.DisposeAsync();
        foreach (var issuer in new[] { Auth0, Entra, Okta, Keycloak, Cognito, Stranger })
        {
            await issuer.DisposeAsync();
        }
        await Database.DisposeAsync();
    }

    /// <summary>A token with exactly these claims (no defaults added beyond iss, iat and exp) and this typ.</summary>
    public static string Token(TestIssuer issuer, Dictionary<string, object?> claims, string typ = "JWT")
    {
        var all = new Dictionary<string, object?>(claims) { ["iss"] = claims.GetValueOrDefault("iss") ?? issuer.Authority };
        foreach (var name in new[] { "aud", "scope", "client_id", "jti", "nbf", "sub" })
        {
            all.TryAdd(name, null);
        }
        return issuer.Token(subject: null, scope: "", claims: all, header: new Dictionary<string, object?> { ["typ"] = typ });
    }
}

public sealed class ProviderProfileTests(ProviderFixture providers) : IClassFixture<ProviderFixture>
{
    private HttpClient With(string token) => providers.Api.WithToken(token);

    // ---- Auth0: scope string, plus permissions when RBAC is on; client-credentials tokens say gty=client-credentials.

    [Fact]
    public async Task Auth0_UserPermissions_GrantScopes()
    {
        var token = ProviderFixture.Token(providers.Auth0, new()
        {
            ["sub"] = $"auth0|{Guid.NewGuid():N}",
            ["aud"] = new[] { "photo-api", $"{providers.Auth0.Authority}userinfo" },
            ["azp"] = "k1Zr3wPQUSL7S1xX8qzXtCJ0tDUYUeo0",
            ["scope"] = "openid profile email",
            ["permissions"] = new[] { "photos.read", "photos.write" },
        });

        Assert.Equal(HttpStatusCode.OK, (await With(token).GetAsync("/v1/photos")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await With(token).PostAsJsonAsync("/v1/photos", new { title = "from Auth0" })).StatusCode);
    }

    [Fact]
    public async Task Auth0_ClientCredentialsToken_IsAnAppToken()
    {
        var token = ProviderFixture.Token(providers.Auth0, new()
        {
            ["sub"] = "k1Zr3wPQUSL7S1xX8qzXtCJ0tDUYUeo0@clients",
            ["aud"] = "photo-api",
            ["azp"] = "k1Zr3wPQUSL7S1xX8qzXtCJ0tDUYUeo0",
            ["gty"] = "client-credentials",
            ["scope"] = "photos.read photos.admin",
            ["permissions"] = new[] { "photos.read", "photos.admin" },
        });

        await HttpAssert.Problem(await With(token).GetAsync("/v1/photos"), HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.OK, (await With(token).GetAsync("/v1/admin/usage")).StatusCode);
    }

    // ---- Entra ID: scp string in user tokens, roles in app tokens, typ JWT, idtyp=app on app tokens.

    [Fact]
    public async Task Entra_UserToken_MapsScpThroughTheScopeMap()
    {
        var token = ProviderFixture.Token(providers.Entra, new()
        {
            ["aud"] = ProviderFixture.EntraAudience,
            ["sub"] = "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ",
            ["oid"] = Guid.NewGuid().ToString(),
            ["tid"] = "9188040d-6c67-4c5b-b112-36a304b66dad",
            ["azp"] = "6731de76-14a6-49ae-97bc-6eba6914391e",
            ["scp"] = "Photos.Read",
            ["ver"] = "2.0",
            ["name"] = "Ada Lovelace",
        });

        Assert.Equal(HttpStatusCode.OK, (await With(token).GetAsync("/v1/photos")).StatusCode);
        var write = await With(token).PostAsJsonAsync("/v1/photos", new { title = "x" });
        Assert.Equal("photos.write", HttpAssert.BearerChallenge(write)["scope"]);
    }

    [Fact]
    public async Task Entra_AppToken_WithAppRole_ReadsUsageButNotUserData()
    {
        var appId = "6731de76-14a6-49ae-97bc-6eba6914391e";
        var token = ProviderFixture.Token(providers.Entra, new()
        {
            ["aud"] = ProviderFixture.EntraAudience,
            ["sub"] = "f5b9a0c6-4c1b-4c3e-8d0e-1d6f5b0f2a11",
            ["oid"] = "f5b9a0c6-4c1b-4c3e-8d0e-1d6f5b0f2a11",
            ["azp"] = appId,
            ["idtyp"] = "app",
            ["roles"] = new[] { "Photos.Usage.Read.All" },
            ["ver"] = "2.0",
        });

        Assert.Equal(HttpStatusCode.OK, (await With(token).GetAsync("/v1/admin/usage")).StatusCode);
        await HttpAssert.Problem(await With(token).GetAsync("/v1/me"), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Entra_V1TokenFromStsWindowsNet_IsNotTrustedByTheV2Configuration()
    {
        var token = ProviderFixture.Token(providers.Entra, new()
        {
            ["iss"] = "https://sts.windows.net/9188040d-6c67-4c5b-b112-36a304b66dad/",
            ["aud"] = ProviderFixture.EntraAudience,
            ["sub"] = "user",
            ["scp"] = "Photos.Read",
            ["ver"] = "1.0",
        });

        var response = await With(token).GetAsync("/v1/photos");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("The access token was not issued by a trusted authorization server.", HttpAssert.BearerChallenge(response)["error_description"]);
    }

    // ---- Okta: scp as a JSON array, cid and uid; client-credentials tokens have sub = cid.

    [Fact]
    public async Task Okta_ScpArray_GrantsScopes()
    {
        var token = ProviderFixture.Token(providers.Okta, new()
        {
            ["sub"] = $"ada-{Guid.NewGuid():N}@example.com",
            ["aud"] = "photo-api",
            ["cid"] = "0oa1b2c3d4E5F6g7h8i9",
            ["uid"] = "00u1a2b3c4D5E6f7G8h9",
            ["scp"] = new[] { "photos.read", "photos.write" },
        });

        Assert.Equal(HttpStatusCode.Created, (await With(token).PostAsJsonAsync("/v1/photos", new { title = "from Okta" })).StatusCode);
    }

    [Fact]
    public async Task Okta_ClientCredentialsToken_IsAnAppToken()
    {
        var token = ProviderFixture.Token(providers.Okta, new()
        {
            ["sub"] = "0oa1b2c3d4E5F6g7h8i9",
            ["aud"] = "photo-api",
            ["cid"] = "0oa1b2c3d4E5F6g7h8i9",
            ["scp"] = new[] { "photos.read" },
        });

        var problem = await HttpAssert.Problem(await With(token).GetAsync("/v1/photos"), HttpStatusCode.Forbidden);
        Assert.Contains("user-delegated", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    // ---- Keycloak: scope string, realm roles under realm_access.roles, aud only with an audience mapper.

    [Fact]
    public async Task Keycloak_RealmRole_MapsToAdminForAServiceAccount()
    {
        var token = ProviderFixture.Token(providers.Keycloak, new()
        {
            ["sub"] = Guid.NewGuid().ToString(),
            ["aud"] = "photo-api",
            ["azp"] = "photo-job",
            ["preferred_username"] = "service-account-photo-job",
            ["client_id"] = "photo-job",
            ["scope"] = "profile email",
            ["realm_access"] = new Dictionary<string, object> { ["roles"] = new[] { "offline_access", "photo-admin" } },
        });

        Assert.Equal(HttpStatusCode.OK, (await With(token).GetAsync("/v1/admin/usage")).StatusCode);
        await HttpAssert.Problem(await With(token).GetAsync("/v1/me"), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Keycloak_UserToken_ReadsWithItsScope()
    {
        var token = ProviderFixture.Token(providers.Keycloak, new()
        {
            ["sub"] = Guid.NewGuid().ToString(),
            ["aud"] = new[] { "photo-api", "account" },
            ["azp"] = "photoprint",
            ["preferred_username"] = "ada",
            ["scope"] = "openid profile photos.read",
            ["realm_access"] = new Dictionary<string, object> { ["roles"] = new[] { "default-roles-photos" } },
        });

        var me = await HttpAssert.Ok<JsonElement>(await With(token).GetAsync("/v1/me"));
        Assert.Equal("ada", me.GetProperty("displayName").GetString());
        Assert.Equal(HttpStatusCode.OK, (await With(token).GetAsync("/v1/photos")).StatusCode);
    }

    [Fact]
    public async Task Keycloak_TokenWithoutAudienceMapper_IsRefused()
    {
        var token = ProviderFixture.Token(providers.Keycloak, new()
        {
            ["sub"] = Guid.NewGuid().ToString(),
            ["azp"] = "photoprint",
            ["scope"] = "openid photos.read",
        });

        var response = await With(token).GetAsync("/v1/photos");

        Assert.Equal("The access token is not intended for this resource.", HttpAssert.BearerChallenge(response)["error_description"]);
    }

    // ---- Cognito: no aud; client_id is the audience; token_use=access required; app tokens have no username.

    [Fact]
    public async Task Cognito_UserAccessToken_IsCheckedByClientIdAndMapsResourceServerScopes()
    {
        var token = ProviderFixture.Token(providers.Cognito, new()
        {
            ["sub"] = Guid.NewGuid().ToString(),
            ["client_id"] = ProviderFixture.CognitoClientId,
            ["token_use"] = "access",
            ["username"] = "ada",
            ["scope"] = "openid https://photos.example.com/photos.read",
        });

        Assert.Equal(HttpStatusCode.OK, (await With(token).GetAsync("/v1/photos")).StatusCode);
    }

    [Fact]
    public async Task Cognito_IdToken_IsNotAnAccessToken()
    {
        var token = ProviderFixture.Token(providers.Cognito, new()
        {
            ["sub"] = Guid.NewGuid().ToString(),
            ["aud"] = ProviderFixture.CognitoClientId,
            ["client_id"] = ProviderFixture.CognitoClientId,
            ["token_use"] = "id",
            ["cognito:username"] = "ada",
        });

        var response = await With(token).GetAsync("/v1/photos");

        Assert.Equal("The token is not an access token.", HttpAssert.BearerChallenge(response)["error_description"]);
    }

    [Fact]
    public async Task Cognito_AccessTokenForAnotherAppClient_IsRefused()
    {
        var token = ProviderFixture.Token(providers.Cognito, new()
        {
            ["sub"] = Guid.NewGuid().ToString(),
            ["client_id"] = "someotherappclient0000000",
            ["token_use"] = "access",
            ["username"] = "ada",
            ["scope"] = "https://photos.example.com/photos.read",
        });

        var response = await With(token).GetAsync("/v1/photos");

        Assert.Equal("The access token is not intended for this resource.", HttpAssert.BearerChallenge(response)["error_description"]);
    }

    [Fact]
    public async Task Cognito_ClientCredentialsToken_IsAnAppToken()
    {
        var token = ProviderFixture.Token(providers.Cognito, new()
        {
            ["sub"] = ProviderFixture.CognitoClientId,
            ["client_id"] = ProviderFixture.CognitoClientId,
            ["token_use"] = "access",
            ["scope"] = "https://photos.example.com/photos.admin",
        });

        Assert.Equal(HttpStatusCode.OK, (await With(token).GetAsync("/v1/admin/usage")).StatusCode);
        await HttpAssert.Problem(await With(token).GetAsync("/v1/photos"), HttpStatusCode.Forbidden);
    }

    // ---- Several issuers at once

    [Fact]
    public async Task TokenFromAnIssuerNotOnTheList_IsRefusedWithoutAnyRequestToIt()
    {
        var token = providers.Stranger.Token(ApiFixture.NewSubject("mallory"), "photos.read photos.write");

        var response = await With(token).GetAsync("/v1/photos");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("The access token was not issued by a trusted authorization server.", HttpAssert.BearerChallenge(response)["error_description"]);
        Assert.Empty(providers.Stranger.Requests);
    }

    [Fact]
    public async Task SameSubjectFromTwoIssuers_IsTwoUsers()
    {
        var sub = ApiFixture.NewSubject("same");
        var fromAuth0 = ProviderFixture.Token(providers.Auth0, new() { ["sub"] = sub, ["aud"] = "photo-api", ["scope"] = "photos.read photos.write" });
        var fromOkta = ProviderFixture.Token(providers.Okta, new() { ["sub"] = sub, ["aud"] = "photo-api", ["cid"] = "okta-client", ["scp"] = new[] { "photos.read" } });
        await With(fromAuth0).PostAsJsonAsync("/v1/photos", new { title = "Auth0 user's photo" });

        var auth0Me = await HttpAssert.Ok<JsonElement>(await With(fromAuth0).GetAsync("/v1/me"));
        var oktaMe = await HttpAssert.Ok<JsonElement>(await With(fromOkta).GetAsync("/v1/me"));

        Assert.NotEqual(auth0Me.GetProperty("id").GetString(), oktaMe.GetProperty("id").GetString());
        Assert.Equal(1, auth0Me.GetProperty("photoCount").GetInt64());
        Assert.Equal(0, oktaMe.GetProperty("photoCount").GetInt64());
        Assert.Equal(0, (await HttpAssert.Ok<JsonElement>(await With(fromOkta).GetAsync("/v1/photos"))).GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task TokenSignedByOneTrustedIssuerButClaimingAnother_IsRefused()
    {
        // Okta's key, Auth0's iss: the key must belong to the issuer the token names.
        var token = providers.Okta.Token(ApiFixture.NewSubject("x"), "photos.read", new Dictionary<string, object?> { ["iss"] = providers.Auth0.Authority });

        var response = await With(token).GetAsync("/v1/photos");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("invalid_token", HttpAssert.BearerChallenge(response)["error"]);
    }

    [Fact]
    public async Task ProtectedResourceMetadata_ListsEveryTrustedIssuer()
    {
        var document = await HttpAssert.Ok<JsonElement>(await providers.Api.Anonymous().GetAsync("/.well-known/oauth-protected-resource"));

        var servers = document.GetProperty("authorization_servers").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Equal(5, servers.Count);
        Assert.Contains(providers.Cognito.Authority, servers);
        Assert.DoesNotContain(providers.Stranger.Authority, servers);
    }
}
