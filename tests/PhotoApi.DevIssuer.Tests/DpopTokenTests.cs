using System.Net.Http.Json;

namespace PhotoApi.DevIssuer.Tests;

/// <summary>
/// RFC 9449 §5 at the dev issuer's token endpoint: a client that sends a DPoP proof gets a token bound to its key
/// (cnf.jkt, token_type DPoP); a public client's refresh token only works with the same key; bad proofs are refused.
/// </summary>
public sealed class DpopTokenTests(DevIssuerHost host) : IClassFixture<DevIssuerHost>
{
    private readonly DpopKey _key = DpopKey.EC();
    private readonly DpopKey _otherKey = DpopKey.EC();

    private TokenClient ProvingWith(DpopKey key, IDictionary<string, object?>? header = null, IDictionary<string, object?>? claims = null)
    {
        var tokens = host.NewTokenClient();
        tokens.Dpop = url => [key.Proof(url, header, claims)];
        return tokens;
    }

    private static Dictionary<string, object?> Cnf(string token) =>
        Jwt.Decode(token).Payload.TryGetProperty("cnf", out var cnf)
            ? cnf.EnumerateObject().ToDictionary(member => member.Name, member => (object?)member.Value.GetString())
            : [];

    [Fact]
    public async Task ClientCredentials_WithAProof_GetsADpopTokenBoundToTheKey()
    {
        using var tokens = ProvingWith(_key);

        var response = (await tokens.ClientCredentialsAsync("photo-admin-job", "photo-admin-job-secret")).EnsureTokens();

        Assert.Equal("DPoP", response.TokenType);
        Assert.Equal(new Dictionary<string, object?> { ["jkt"] = _key.Thumbprint }, Cnf(response.AccessToken!));
    }

    [Fact]
    public async Task ClientCredentials_WithoutAProof_StillGetsABearerToken()
    {
        using var tokens = host.NewTokenClient();

        var response = (await tokens.ClientCredentialsAsync("photo-admin-job", "photo-admin-job-secret")).EnsureTokens();

        Assert.Equal("Bearer", response.TokenType);
        Assert.Empty(Cnf(response.AccessToken!));
    }

    public static TheoryData<string> Defects => new()
    {
        "typ JWT", "alg none", "alg HS256", "private key in jwk", "htm GET", "htu another path", "htu another port",
        "iat two minutes old", "iat two minutes ahead", "ath present", "no jti", "signed by another key",
    };

    [Theory]
    [MemberData(nameof(Defects))]
    public async Task TokenRequest_WithADefectiveProof_IsRefusedWithInvalidDpopProof(string defect)
    {
        using var tokens = host.NewTokenClient();
        tokens.Dpop = url => [DefectiveProof(defect, url)];

        var response = await tokens.ClientCredentialsAsync("photo-admin-job", "photo-admin-job-secret");

        response.AssertError(HttpStatusCode.BadRequest, "invalid_dpop_proof");
        Assert.Null(response.AccessToken);
    }

    private string DefectiveProof(string defect, Uri url)
    {
        var now = DateTimeOffset.UtcNow;
        return defect switch
        {
            "typ JWT" => _key.Proof(url, header: new Dictionary<string, object?> { ["typ"] = "JWT" }),
            "alg none" => string.Join('.', _key.Proof(url, header: new Dictionary<string, object?> { ["alg"] = "none" }).Split('.')[..2]) + ".",
            "alg HS256" => _key.Proof(url, header: new Dictionary<string, object?> { ["alg"] = "HS256" }),
            "private key in jwk" => _key.Proof(url, header: new Dictionary<string, object?> { ["jwk"] = new Dictionary<string, object>(_key.PublicJwk) { ["d"] = "AAAA" } }),
            "htm GET" => _key.Proof(url, claims: new Dictionary<string, object?> { ["htm"] = "GET" }),
            "htu another path" => _key.Proof(new Uri(url, "/connect/introspect")),
            "htu another port" => _key.Proof(new UriBuilder(url) { Port = url.Port + 1 }.Uri),
            "iat two minutes old" => _key.Proof(url, issuedAt: now.AddMinutes(-2)),
            "iat two minutes ahead" => _key.Proof(url, issuedAt: now.AddMinutes(2)),
            "ath present" => _key.Proof(url, claims: new Dictionary<string, object?> { ["ath"] = "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo" }),
            "no jti" => _key.Proof(url, claims: new Dictionary<string, object?> { ["jti"] = null }),
            // The header names this key, the signature is another's.
            "signed by another key" => string.Join('.', _key.Proof(url).Split('.')[..2]) + "." + _otherKey.Proof(url).Split('.')[2],
            _ => throw new ArgumentOutOfRangeException(nameof(defect)),
        };
    }

    [Fact]
    public async Task WithAConfiguredIssuer_AProofForTheAdvertisedTokenEndpointIsAccepted()
    {
        await using var configured = DevIssuerHost.With(new Dictionary<string, string?> { ["DevIssuer:Issuer"] = "http://issuer.test:8080/tenant/" });
        using var http = configured.NewHttpClient();
        var metadata = await http.GetFromJsonAsync<JsonElement>(".well-known/openid-configuration");
        var tokenEndpoint = new Uri(metadata.GetProperty("token_endpoint").GetString()!);
        using var tokens = configured.NewTokenClient();
        tokens.Dpop = _ => [_key.Proof(tokenEndpoint)];

        var response = (await tokens.ClientCredentialsAsync("photo-admin-job", "photo-admin-job-secret")).EnsureTokens();

        Assert.Equal("DPoP", response.TokenType);
    }

    [Fact]
    public async Task TokenRequest_WithTwoDpopHeaders_IsRefused()
    {
        using var tokens = host.NewTokenClient();
        tokens.Dpop = url => [_key.Proof(url), _key.Proof(url)];

        var response = await tokens.ClientCredentialsAsync("photo-admin-job", "photo-admin-job-secret");

        Assert.Equal("invalid_dpop_proof", response.Error);
    }

    [Fact]
    public async Task AProofUsedOnce_IsRefusedTheSecondTime()
    {
        using var tokens = host.NewTokenClient();
        var proof = _key.Proof(new Uri(host.BaseAddress, "connect/token"));
        tokens.Dpop = _ => [proof];
        (await tokens.ClientCredentialsAsync("photo-admin-job", "photo-admin-job-secret")).EnsureTokens();

        var replay = await tokens.ClientCredentialsAsync("photo-admin-job", "photo-admin-job-secret");

        replay.AssertError(HttpStatusCode.BadRequest, "invalid_dpop_proof");
    }

    [Fact]
    public async Task Discovery_AdvertisesTheProofAlgorithms()
    {
        using var http = host.NewHttpClient();

        var metadata = await http.GetFromJsonAsync<JsonElement>(".well-known/openid-configuration");

        var algorithms = metadata.GetProperty("dpop_signing_alg_values_supported").EnumerateArray().Select(a => a.GetString()).ToList();
        Assert.Contains("ES256", algorithms);
        Assert.Contains("RS256", algorithms);
        Assert.DoesNotContain("HS256", algorithms);
        Assert.DoesNotContain("none", algorithms);
    }

    /// <summary>The swagger client is public: its refresh token is bound to the key of the code exchange.</summary>
    private async Task<TokenResponse> PublicClientSignsInWithAsync(DpopKey key)
    {
        using var browser = host.NewBrowser();
        using var tokens = ProvingWith(key);
        var request = AuthorizationRequest.For(Client.Swagger) with { Scope = "photos.read offline_access" };
        var code = await browser.GetCodeAsync(request);
        return (await tokens.ExchangeCodeAsync(Client.Swagger, code, request.Pkce.Verifier)).EnsureTokens();
    }

    [Fact]
    public async Task PublicClient_RefreshesWithTheSameKey_AndGetsANewBoundToken()
    {
        var first = await PublicClientSignsInWithAsync(_key);
        Assert.Equal("DPoP", first.TokenType);
        using var tokens = ProvingWith(_key);

        var refreshed = (await tokens.RefreshAsync(Client.Swagger, first.RefreshToken!)).EnsureTokens();

        Assert.Equal("DPoP", refreshed.TokenType);
        Assert.Equal(_key.Thumbprint, Cnf(refreshed.AccessToken!)["jkt"]);
        Assert.Equal("alice", Jwt.Decode(refreshed.AccessToken!).Claim("sub"));
    }

    [Fact]
    public async Task PublicClient_RefreshWithAnotherKey_IsRefusedWithInvalidGrant()
    {
        var first = await PublicClientSignsInWithAsync(_key);
        using var thief = ProvingWith(_otherKey);

        var refused = await thief.RefreshAsync(Client.Swagger, first.RefreshToken!);

        refused.AssertError(HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task PublicClient_RefreshWithoutAProof_IsRefusedWithInvalidDpopProof()
    {
        var first = await PublicClientSignsInWithAsync(_key);
        using var thief = host.NewTokenClient();

        var refused = await thief.RefreshAsync(Client.Swagger, first.RefreshToken!);

        refused.AssertError(HttpStatusCode.BadRequest, "invalid_dpop_proof");
    }

    [Fact]
    public async Task PublicClient_RefusedRefresh_LeavesTheRefreshTokenUsableByItsOwner()
    {
        var first = await PublicClientSignsInWithAsync(_key);
        using var thief = ProvingWith(_otherKey);
        await thief.RefreshAsync(Client.Swagger, first.RefreshToken!);
        using var owner = ProvingWith(_key);

        var refreshed = await owner.RefreshAsync(Client.Swagger, first.RefreshToken!);

        Assert.Equal(HttpStatusCode.OK, refreshed.Status);
    }

    [Fact]
    public async Task ConfidentialClient_RefreshTokenIsNotBound_ARefreshWithoutProofGetsABearerToken()
    {
        using var browser = host.NewBrowser();
        using var proving = ProvingWith(_key);
        var request = AuthorizationRequest.For(Client.PhotoPrint);
        var code = await browser.GetCodeAsync(request);
        var first = (await proving.ExchangeCodeAsync(Client.PhotoPrint, code, request.Pkce.Verifier)).EnsureTokens();
        Assert.Equal("DPoP", first.TokenType);
        using var plain = host.NewTokenClient();

        var refreshed = (await plain.RefreshAsync(Client.PhotoPrint, first.RefreshToken!)).EnsureTokens();

        Assert.Equal("Bearer", refreshed.TokenType);
        Assert.Empty(Cnf(refreshed.AccessToken!));
    }

    [Fact]
    public async Task WithNoncesRequired_TheFirstProofGetsUseDpopNonce_TheRetryWithTheNonceGetsTheToken()
    {
        await using var strict = DevIssuerHost.With(new Dictionary<string, string?> { ["DevIssuer:RequireDpopNonce"] = "true" });
        using var tokens = strict.NewTokenClient();
        tokens.Dpop = url => [_key.Proof(url)];

        var first = await tokens.ClientCredentialsAsync("photo-admin-job", "photo-admin-job-secret");
        first.AssertError(HttpStatusCode.BadRequest, "use_dpop_nonce");
        Assert.NotNull(first.DpopNonce);

        tokens.Dpop = url => [_key.Proof(url, claims: new Dictionary<string, object?> { ["nonce"] = first.DpopNonce })];
        var retry = (await tokens.ClientCredentialsAsync("photo-admin-job", "photo-admin-job-secret")).EnsureTokens();
        Assert.Equal("DPoP", retry.TokenType);
    }

    [Fact]
    public async Task WithNoncesRequired_ANonceTheIssuerNeverGave_IsRefused()
    {
        await using var strict = DevIssuerHost.With(new Dictionary<string, string?> { ["DevIssuer:RequireDpopNonce"] = "true" });
        using var tokens = strict.NewTokenClient();
        tokens.Dpop = url => [_key.Proof(url, claims: new Dictionary<string, object?> { ["nonce"] = "made-up" })];

        var response = await tokens.ClientCredentialsAsync("photo-admin-job", "photo-admin-job-secret");

        Assert.Equal("use_dpop_nonce", response.Error);
        Assert.Null(response.AccessToken);
    }

    [Fact]
    public async Task DevTokens_MintTokensBoundToAKeyOrACertificate()
    {
        using var http = host.NewHttpClient();
        const string certificate = "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2";

        using var minted = await http.PostAsJsonAsync("dev/tokens", new Dictionary<string, object>
        {
            ["subject"] = "alice",
            ["scopes"] = "photos.read",
            ["jkt"] = _key.Thumbprint,
            ["x5t#S256"] = certificate,
        });

        var body = await minted.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.OK, minted.StatusCode);
        Assert.Equal("DPoP", body.GetProperty("token_type").GetString());
        Assert.Equal(
            new Dictionary<string, object?> { ["jkt"] = _key.Thumbprint, ["x5t#S256"] = certificate },
            Cnf(body.GetProperty("access_token").GetString()!));
    }

    [Fact]
    public async Task DevTokens_RefuseAThumbprintThatIsNotOne()
    {
        using var http = host.NewHttpClient();

        using var minted = await http.PostAsJsonAsync("dev/tokens", new { subject = "alice", jkt = "not-a-thumbprint" });

        Assert.Equal(HttpStatusCode.BadRequest, minted.StatusCode);
        var problem = await minted.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("jkt", out _));
    }
}
