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
    /// <summary>An Auth0 tenant whose operator opted in to grant AND entitlement (Auth__Issuers__N__RequireEntitlement).</summary>
    public TestIssuer Auth0Strict { get; private set; } = null!;
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
        Auth0Strict = await TestIssuer.StartAsync(SigningKey.Rsa("auth0-strict-key"), issuerSuffix: "/");
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
            ["Auth:Issuers:5:Authority"] = Auth0Strict.Authority,
            ["Auth:Issuers:5:Profile"] = "auth0",
            ["Auth:Issuers:5:RequireEntitlement"] = "true",
        });
        Api.StartServer();
    }

    public async Task DisposeAsync()
    {
        await Api.DisposeAsync();
        foreach (var issuer in new[] { Auth0, Auth0Strict, Entra, Okta, Keycloak, Cognito, Stranger })
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


/// <summary>
/// A token buys what the user consented to for this client (the delegated grant), or what an administrator granted the
/// application, and nothing more: a user's entitlements (permissions, roles, realm roles) never widen the grant. Who a token
/// speaks for is decided by each provider's own positive evidence; a token that proves neither is refused.
/// </summary>
public sealed class ProviderProfileTests(ProviderFixture providers) : IClassFixture<ProviderFixture>
{
    private HttpClient With(string token) => providers.Api.WithToken(token);

    private static async Task AssertInsufficientScope(HttpResponseMessage response, string scope)
    {
        await HttpAssert.Problem(response, HttpStatusCode.Forbidden);
        var challenge = HttpAssert.BearerChallenge(response);
        Assert.Equal("insufficient_scope", challenge["error"]);
        Assert.Equal(scope, challenge["scope"]);
    }

    private static async Task AssertNeitherUserNorApp(HttpResponseMessage response)
    {
        var problem = await HttpAssert.Problem(response, HttpStatusCode.Forbidden);
        Assert.Contains("neither a user", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private static async Task AssertUserTokenRequired(HttpResponseMessage response)
    {
        var problem = await HttpAssert.Problem(response, HttpStatusCode.Forbidden);
        Assert.Contains("user-delegated", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private static async Task AssertNotAnAccessToken(HttpResponseMessage response)
    {
        await HttpAssert.Problem(response, HttpStatusCode.Unauthorized);
        Assert.Equal("The token is not an access token.", HttpAssert.BearerChallenge(response)["error_description"]);
    }

    // ---- Auth0: scope is the grant (RBAC: what was requested AND what the user holds); permissions is everything the user holds.

    private Dictionary<string, object?> Auth0User(string scope, params string[] permissions) => new()
    {
        ["sub"] = $"auth0|{Guid.NewGuid():N}",
        ["aud"] = new[] { "photo-api", $"{providers.Auth0.Authority}userinfo" },
        ["azp"] = "k1Zr3wPQUSL7S1xX8qzXtCJ0tDUYUeo0",
        ["scope"] = scope,
        ["permissions"] = permissions,
    };

    [Fact]
    public async Task Auth0_UserPermissions_DoNotWidenTheConsentedScope()
    {
        // Alice holds read and write, but let PhotoPrint only read.
        var token = ProviderFixture.Token(providers.Auth0, Auth0User("openid photos.read", "photos.read", "photos.write"));

        Assert.Equal(HttpStatusCode.OK, (await With(token).GetAsync("/v1/photos")).StatusCode);
        await AssertInsufficientScope(await With(token).PostAsJsonAsync("/v1/photos", new { title = "sneaky" }), "photos.write");
    }

    [Fact]
    public async Task Auth0_PermissionsAlone_GrantNothing()
    {
        var token = ProviderFixture.Token(providers.Auth0, Auth0User("openid profile", "photos.read", "photos.write", "photos.admin"));

        await AssertInsufficientScope(await With(token).GetAsync("/v1/photos"), "photos.read");
        await AssertInsufficientScope(await With(token).GetAsync("/v1/admin/usage"), "photos.admin");
    }

    [Fact]
    public async Task Auth0_ConsentedScope_Writes()
    {
        var token = ProviderFixture.Token(providers.Auth0, Auth0User("openid photos.read photos.write", "photos.read", "photos.write"));

        Assert.Equal(HttpStatusCode.Created, (await With(token).PostAsJsonAsync("/v1/photos", new { title = "from Auth0" })).StatusCode);
    }

    [Fact]
    public async Task Auth0_RequireEntitlement_NeedsGrantAndEntitlement()
    {
        // The operator opted in: a scope counts only if the user also holds the permission. It narrows, never widens.
        var readOnlyUser = ProviderFixture.Token(providers.Auth0Strict, Auth0User("photos.read photos.write", "photos.read"));
        var noGrant = ProviderFixture.Token(providers.Auth0Strict, Auth0User("openid", "photos.read", "photos.write"));

        Assert.Equal(HttpStatusCode.OK, (await With(readOnlyUser).GetAsync("/v1/photos")).StatusCode);
        await AssertInsufficientScope(await With(readOnlyUser).PostAsJsonAsync("/v1/photos", new { title = "x" }), "photos.write");
        await AssertInsufficientScope(await With(noGrant).GetAsync("/v1/photos"), "photos.read");
    }

    [Fact]
    public async Task Auth0_ClientCredentialsToken_IsAnAppToken_AuthorisedByItsScope()
    {
        var token = ProviderFixture.Token(providers.Auth0, new()
        {
            ["sub"] = "k1Zr3wPQUSL7S1xX8qzXtCJ0tDUYUeo0@clients",
            ["aud"] = "photo-api",
            ["azp"] = "k1Zr3wPQUSL7S1xX8qzXtCJ0tDUYUeo0",
            ["gty"] = "client-credentials",
            ["scope"] = "photos.admin",
        });

        await AssertUserTokenRequired(await With(token).GetAsync("/v1/photos"));
        Assert.Equal(HttpStatusCode.OK, (await With(token).GetAsync("/v1/admin/usage")).StatusCode);
    }

    [Fact]
    public async Task Auth0_TokenNamingNoClient_IsNeitherUserNorApp()
    {
        var claims = Auth0User("photos.read");
        claims.Remove("azp");

        await AssertNeitherUserNorApp(await With(ProviderFixture.Token(providers.Auth0, claims)).GetAsync("/v1/photos"));
    }

    [Fact]
    public async Task Auth0_IdToken_IsRefused()
    {
        var claims = Auth0User("photos.read");
        claims["nonce"] = "n-0S6_WzA2Mj";

        await AssertNotAnAccessToken(await With(ProviderFixture.Token(providers.Auth0, claims)).GetAsync("/v1/photos"));
    }

    // ---- Entra ID: scp in delegated tokens only; app roles in roles; app-only tokens have oid = sub and, optionally, idtyp=app.

    /// <summary>An Entra app-only token: oid = sub (the service principal), app roles, no scp; idtyp "app" when the tenant adds it.</summary>
    private static Dictionary<string, object?> EntraApp(string? idtyp, params string[] roles)
    {
        var id = Guid.NewGuid().ToString();
        return new()
        {
            ["aud"] = ProviderFixture.EntraAudience,
            ["sub"] = id,
            ["oid"] = id,
            ["azp"] = "6731de76-14a6-49ae-97bc-6eba6914391e",
            ["idtyp"] = idtyp,
            ["roles"] = roles,
            ["ver"] = "2.0",
        };
    }

    private static Dictionary<string, object?> EntraUser(string scp, params string[] roles) => new()
    {
        ["aud"] = ProviderFixture.EntraAudience,
        ["sub"] = $"AAAAAAAAAAAAAAAAAAAAA{Guid.NewGuid():N}",
        ["oid"] = Guid.NewGuid().ToString(),
        ["tid"] = "9188040d-6c67-4c5b-b112-36a304b66dad",
        ["azp"] = "6731de76-14a6-49ae-97bc-6eba6914391e",
        ["scp"] = scp,
        ["roles"] = roles.Length > 0 ? roles : null,
        ["ver"] = "2.0",
        ["name"] = "Ada Lovelace",
    };

    [Fact]
    public async Task Entra_UserToken_MapsScpThroughTheScopeMap()
    {
        var token = ProviderFixture.Token(providers.Entra, EntraUser("Photos.Read"));

        Assert.Equal(HttpStatusCode.OK, (await With(token).GetAsync("/v1/photos")).StatusCode);
        await AssertInsufficientScope(await With(token).PostAsJsonAsync("/v1/photos", new { title = "x" }), "photos.write");
    }

    [Fact]
    public async Task Entra_UserHoldingTheAdminAppRole_DoesNotLeakItToTheClient()
    {
        var token = ProviderFixture.Token(providers.Entra, EntraUser("Photos.Read", "Photos.Usage.Read.All"));

        await AssertInsufficientScope(await With(token).GetAsync("/v1/admin/usage"), "photos.admin");
    }

    [Fact]
    public async Task Entra_AppToken_WithAppRole_ReadsUsageButNotUserData()
    {
        var token = ProviderFixture.Token(providers.Entra, EntraApp("app", "Photos.Usage.Read.All"));

        Assert.Equal(HttpStatusCode.OK, (await With(token).GetAsync("/v1/admin/usage")).StatusCode);
        await AssertUserTokenRequired(await With(token).GetAsync("/v1/me"));
    }

    [Fact]
    public async Task Entra_AppTokenWithoutIdtyp_IsStillAnAppToken_AndRefusedOnUserRoutes()
    {
        // idtyp is optional; oid = sub (the service principal) and no scp are Entra's own marks of an app-only token.
        var token = ProviderFixture.Token(providers.Entra, EntraApp(idtyp: null, "Photos.Read"));

        await AssertUserTokenRequired(await With(token).GetAsync("/v1/photos"));
        await AssertUserTokenRequired(await With(token).GetAsync("/v1/me"));
    }

    [Fact]
    public async Task Entra_TokenWithNeitherScpNorAppMarks_IsNeitherUserNorApp()
    {
        var claims = EntraUser("Photos.Read", "Photos.Read");
        claims.Remove("scp");

        await AssertNeitherUserNorApp(await With(ProviderFixture.Token(providers.Entra, claims)).GetAsync("/v1/photos"));
    }

    [Fact]
    public async Task Entra_IdToken_IsRefused()
    {
        // Entra ID tokens name no client in azp/appid (their aud is the client) and carry a nonce.
        var claims = EntraUser("Photos.Read");
        claims.Remove("azp");
        claims["nonce"] = "abc";

        await AssertNotAnAccessToken(await With(ProviderFixture.Token(providers.Entra, claims)).GetAsync("/v1/photos"));
    }

    [Fact]
    public async Task Entra_V1TokenFromStsWindowsNet_IsNotTrustedByTheV2Configuration()
    {
        var claims = EntraUser("Photos.Read");
        claims["iss"] = "https://sts.windows.net/9188040d-6c67-4c5b-b112-36a304b66dad/";
        claims["ver"] = "1.0";

        var response = await With(ProviderFixture.Token(providers.Entra, claims)).GetAsync("/v1/photos");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("The access token was not issued by a trusted authorization server.", HttpAssert.BearerChallenge(response)["error_description"]);
    }

    // ---- Okta: scp as a JSON array, cid and uid; client-credentials tokens have sub = cid and no uid.

    private const string OktaClient = "0oa1b2c3d4E5F6g7h8i9";

    private string OktaToken(string sub, string? uid, params string[] scp) => ProviderFixture.Token(providers.Okta, new()
    {
        ["sub"] = sub,
        ["aud"] = "photo-api",
        ["cid"] = OktaClient,
        ["uid"] = uid,
        ["scp"] = scp,
    });

    [Fact]
    public async Task Okta_ScpArray_GrantsScopes()
    {
        var token = OktaToken($"ada-{Guid.NewGuid():N}@example.com", "00u1a2b3c4D5E6f7G8h9", "photos.read", "photos.write");

        Assert.Equal(HttpStatusCode.Created, (await With(token).PostAsJsonAsync("/v1/photos", new { title = "from Okta" })).StatusCode);
    }

    [Fact]
    public async Task Okta_ClientCredentialsToken_IsAnAppToken()
    {
        var token = OktaToken(OktaClient, uid: null, "photos.read");

        await AssertUserTokenRequired(await With(token).GetAsync("/v1/photos"));
    }

    [Fact]
    public async Task Okta_TokenWithoutUidForAnotherSubject_IsNeitherUserNorApp()
    {
        var token = OktaToken("someone@example.com", uid: null, "photos.read");

        await AssertNeitherUserNorApp(await With(token).GetAsync("/v1/photos"));
    }

    [Fact]
    public async Task Okta_IdToken_IsRefused()
    {
        // Okta ID tokens carry no cid (their aud is the client id).
        var token = ProviderFixture.Token(providers.Okta, new()
        {
            ["sub"] = "00u1a2b3c4D5E6f7G8h9",
            ["aud"] = "photo-api",
            ["uid"] = "00u1a2b3c4D5E6f7G8h9",
            ["at_hash"] = "MTIzNDU2Nzg5MDEyMzQ1Ng",
        });

        await AssertNotAnAccessToken(await With(token).GetAsync("/v1/photos"));
    }

    // ---- Keycloak: payload typ "Bearer" marks access tokens; scope is the grant; realm roles are entitlements only.

    private static Dictionary<string, object?> KeycloakUser(string scope, params string[] realmRoles) => new()
    {
        ["typ"] = "Bearer",
        ["sub"] = Guid.NewGuid().ToString(),
        ["aud"] = new[] { "photo-api", "account" },
        ["azp"] = "photoprint",
        ["preferred_username"] = "ada",
        ["scope"] = scope,
        ["realm_access"] = new Dictionary<string, object> { ["roles"] = realmRoles },
    };

    [Fact]
    public async Task Keycloak_UserToken_ReadsWithItsScope_RealmRolesDoNotWiden()
    {
        var token = ProviderFixture.Token(providers.Keycloak, KeycloakUser("openid profile photos.read", "default-roles-photos", "photos.write", "photo-admin"));

        var me = await HttpAssert.Ok<JsonElement>(await With(token).GetAsync("/v1/me"));
        Assert.Equal("ada", me.GetProperty("displayName").GetString());
        await AssertInsufficientScope(await With(token).PostAsJsonAsync("/v1/photos", new { title = "x" }), "photos.write");
        await AssertInsufficientScope(await With(token).GetAsync("/v1/admin/usage"), "photos.admin");
    }

    private static Dictionary<string, object?> KeycloakServiceAccount(string scope, params string[] realmRoles) => new()
    {
        ["typ"] = "Bearer",
        ["sub"] = Guid.NewGuid().ToString(),
        ["aud"] = "photo-api",
        ["azp"] = "photo-job",
        ["client_id"] = "photo-job",
        ["preferred_username"] = "service-account-photo-job",
        ["scope"] = scope,
        ["realm_access"] = new Dictionary<string, object> { ["roles"] = realmRoles },
    };

    [Fact]
    public async Task Keycloak_ServiceAccount_IsAuthorisedByItsClientScope()
    {
        var token = ProviderFixture.Token(providers.Keycloak, KeycloakServiceAccount("profile email photo-admin"));

        Assert.Equal(HttpStatusCode.OK, (await With(token).GetAsync("/v1/admin/usage")).StatusCode);
        await AssertUserTokenRequired(await With(token).GetAsync("/v1/me"));
    }

    [Fact]
    public async Task Keycloak_ServiceAccount_RealmRoleAloneGrantsNothing()
    {
        var token = ProviderFixture.Token(providers.Keycloak, KeycloakServiceAccount("profile email", "offline_access", "photo-admin"));

        await AssertInsufficientScope(await With(token).GetAsync("/v1/admin/usage"), "photos.admin");
    }

    [Fact]
    public async Task Keycloak_IdToken_IsRefused()
    {
        var claims = KeycloakUser("openid photos.read");
        claims["typ"] = "ID";

        await AssertNotAnAccessToken(await With(ProviderFixture.Token(providers.Keycloak, claims)).GetAsync("/v1/photos"));
    }

    [Fact]
    public async Task Keycloak_TokenWithoutAudienceMapper_IsRefused()
    {
        var claims = KeycloakUser("openid photos.read");
        claims.Remove("aud");

        var response = await With(ProviderFixture.Token(providers.Keycloak, claims)).GetAsync("/v1/photos");

        Assert.Equal("The access token is not intended for this resource.", HttpAssert.BearerChallenge(response)["error_description"]);
    }

    // ---- Cognito: no aud; client_id is the audience; token_use=access required; user tokens carry username, app tokens sub = client_id.

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
            ["cognito:groups"] = new[] { "photos.admin" },
        });

        Assert.Equal(HttpStatusCode.OK, (await With(token).GetAsync("/v1/photos")).StatusCode);
        await AssertInsufficientScope(await With(token).GetAsync("/v1/admin/usage"), "photos.admin");
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

        await AssertNotAnAccessToken(await With(token).GetAsync("/v1/photos"));
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
        await AssertUserTokenRequired(await With(token).GetAsync("/v1/photos"));
    }

    [Fact]
    public async Task Cognito_TokenWithoutUsernameForAnotherSubject_IsNeitherUserNorApp()
    {
        var token = ProviderFixture.Token(providers.Cognito, new()
        {
            ["sub"] = Guid.NewGuid().ToString(),
            ["client_id"] = ProviderFixture.CognitoClientId,
            ["token_use"] = "access",
            ["scope"] = "https://photos.example.com/photos.read",
        });

        await AssertNeitherUserNorApp(await With(token).GetAsync("/v1/photos"));
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
        var fromAuth0 = ProviderFixture.Token(providers.Auth0, new() { ["sub"] = sub, ["aud"] = "photo-api", ["azp"] = "auth0-client", ["scope"] = "photos.read photos.write" });
        var fromOkta = ProviderFixture.Token(providers.Okta, new() { ["sub"] = sub, ["aud"] = "photo-api", ["cid"] = "okta-client", ["uid"] = "00u1", ["scp"] = new[] { "photos.read" } });
        await With(fromAuth0).CreatePhotoAsync("Auth0 user's photo");

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
        Assert.Equal(6, servers.Count);
        Assert.Contains(providers.Cognito.Authority, servers);
        Assert.DoesNotContain(providers.Stranger.Authority, servers);
    }
}
