using System.Net.Http.Headers;

namespace PhotoApi.Tests.Auth;

/// <summary>
/// RFC 9449 §4.3 and §7: a DPoP-bound token works only with a proof of possession of its key, made for this very request.
/// One story per defect a thief or a broken client can produce; each is refused with the DPoP challenge's error.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class DpopProofTests(ApiFixture fixture)
{
    private readonly DpopKey _key = DpopKey.EC();

    private Uri Photos => new(fixture.Api.BaseAddress, "/v1/photos");

    private string BoundToken(DpopKey? key = null) =>
        fixture.Issuer.Token(ApiFixture.NewSubject("alice"), "photos.read", (key ?? _key).Cnf);

    private Task<HttpResponseMessage> SendAsync(string token, params string[] proofs) =>
        fixture.Api.Anonymous().SendAsync(DpopProofs.Request(HttpMethod.Get, Photos, token, proofs));

    private static async Task AssertRefusedAsync(HttpResponseMessage response, string error, string description)
    {
        var problem = await HttpAssert.Problem(response, HttpStatusCode.Unauthorized);
        var challenge = HttpAssert.DpopChallenge(response);
        Assert.Equal(error, challenge["error"]);
        Assert.Equal(description, challenge["error_description"]);
        Assert.Equal(description, problem.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("ES256")]
    [InlineData("ES384")]
    [InlineData("PS256")]
    [InlineData("RS256")]
    public async Task BoundToken_WithProofOfItsKey_IsAccepted(string algorithm)
    {
        var key = algorithm.StartsWith("ES", StringComparison.Ordinal) ? DpopKey.EC(algorithm) : DpopKey.Rsa(algorithm);
        var token = BoundToken(key);

        var response = await SendAsync(token, key.Proof("GET", Photos, token));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task SameBoundToken_WithAFreshProofEachTime_IsAcceptedAgain()
    {
        // The token is validated once and cached; the proof is checked on every request.
        var token = BoundToken();
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(token, _key.Proof("GET", Photos, token))).StatusCode);

        var response = await SendAsync(token, _key.Proof("GET", Photos, token));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task LowerCaseDpopScheme_IsAccepted()
    {
        var token = BoundToken();
        var request = DpopProofs.Request(HttpMethod.Get, Photos, token, _key.Proof("GET", Photos, token));
        request.Headers.Authorization = new AuthenticationHeaderValue("dpop", token);

        var response = await fixture.Api.Anonymous().SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("jwt")]
    [InlineData("at+jwt")]
    public async Task Proof_WithWrongTyp_IsRefused(string typ)
    {
        var token = BoundToken();

        var response = await SendAsync(token, _key.Proof("GET", Photos, token, header: new Dictionary<string, object?> { ["typ"] = typ }));

        await AssertRefusedAsync(response, "invalid_dpop_proof", "The DPoP proof's typ is not dpop+jwt.");
    }

    [Fact]
    public async Task Proof_WithAlgNone_IsRefused()
    {
        var token = BoundToken();
        var proof = _key.Proof("GET", Photos, token);
        var parts = proof.Split('.');
        var unsigned = Jws.EncodeRaw(
            System.Text.Encoding.UTF8.GetString(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.DecodeBytes(parts[0])).Replace("\"ES256\"", "\"none\"", StringComparison.Ordinal),
            System.Text.Encoding.UTF8.GetString(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.DecodeBytes(parts[1])),
            key: null);

        var response = await SendAsync(token, unsigned);

        await AssertRefusedAsync(response, "invalid_dpop_proof", "The DPoP proof is signed with an algorithm that is not allowed.");
    }

    [Fact]
    public async Task Proof_MacedWithHmac_IsRefused()
    {
        var token = BoundToken();
        var secret = new byte[32];
        var proof = Jws.EncodeHmac(
            new Dictionary<string, object> { ["typ"] = "dpop+jwt", ["alg"] = "HS256", ["jwk"] = new Dictionary<string, object> { ["kty"] = "oct", ["k"] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" } },
            new Dictionary<string, object> { ["jti"] = Guid.NewGuid().ToString(), ["htm"] = "GET", ["htu"] = Photos.ToString(), ["iat"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), ["ath"] = DpopKey.Ath(token) },
            secret, "HS256");

        var response = await SendAsync(token, proof);

        await AssertRefusedAsync(response, "invalid_dpop_proof", "The DPoP proof is signed with an algorithm that is not allowed.");
    }

    [Fact]
    public async Task Proof_WithPrivateKeyInJwk_IsRefused()
    {
        var token = BoundToken();
        var jwk = new Dictionary<string, object>(_key.PublicJwk) { ["d"] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" };

        var response = await SendAsync(token, _key.Proof("GET", Photos, token, header: new Dictionary<string, object?> { ["jwk"] = jwk }));

        await AssertRefusedAsync(response, "invalid_dpop_proof", "The DPoP proof's jwk is not an allowed public key.");
    }

    [Fact]
    public async Task Proof_SignedByAnotherKeyThanItsJwk_IsRefused()
    {
        var token = BoundToken();

        var response = await SendAsync(token, _key.Proof("GET", Photos, token, signWith: DpopKey.EC().Key));

        await AssertRefusedAsync(response, "invalid_dpop_proof", "The DPoP proof's signature is invalid.");
    }

    [Fact]
    public async Task Proof_ForAnotherMethod_IsRefused()
    {
        var token = BoundToken();

        var response = await SendAsync(token, _key.Proof("POST", Photos, token));

        await AssertRefusedAsync(response, "invalid_dpop_proof", "The DPoP proof is for another HTTP method.");
    }

    [Fact]
    public async Task HeadRequest_NeedsAProofForHead_NotForTheGetItIsRoutedAs()
    {
        var token = BoundToken();

        var forHead = await fixture.Api.Anonymous().SendAsync(DpopProofs.Request(HttpMethod.Head, Photos, token, _key.Proof("HEAD", Photos, token)));
        var forGet = await fixture.Api.Anonymous().SendAsync(DpopProofs.Request(HttpMethod.Head, Photos, token, _key.Proof("GET", Photos, token)));

        Assert.Equal(HttpStatusCode.OK, forHead.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, forGet.StatusCode);
        Assert.Equal("The DPoP proof is for another HTTP method.", HttpAssert.DpopChallenge(forGet)["error_description"]);
    }

    [Theory]
    [InlineData("http://photos.example{port}/v1/photos")] // another host
    [InlineData("http://127.0.0.1:1/v1/photos")] // another port
    [InlineData("http://127.0.0.1{port}/v1/albums")] // another path
    [InlineData("https://127.0.0.1{port}/v1/photos")] // another scheme
    public async Task Proof_ForAnotherUri_IsRefused(string htu)
    {
        var token = BoundToken();
        var other = new Uri(htu.Replace("{port}", $":{Photos.Port}", StringComparison.Ordinal));

        var response = await SendAsync(token, _key.Proof("GET", other, token));

        await AssertRefusedAsync(response, "invalid_dpop_proof", "The DPoP proof is for another URI.");
    }

    [Theory]
    [InlineData("/v1/photos?pageSize=5", "/v1/photos")]
    [InlineData("/v1/photos", "/v1/photos?pageSize=5#top")]
    [InlineData("/v1/photos", "/v1/./photos")] // RFC 3986 §6.2.2.3 dot segments
    public async Task Proof_DifferingOnlyInQueryOrNormalisation_IsAccepted(string requestPath, string htuPath)
    {
        var token = BoundToken();
        var htu = $"HTTP://127.0.0.1:{Photos.Port}{htuPath}"; // §6.2.2.1: the scheme is case-insensitive
        var proof = _key.Proof("GET", Photos, token, claims: new Dictionary<string, object?> { ["htu"] = htu });

        var response = await fixture.Api.Anonymous().SendAsync(DpopProofs.Request(HttpMethod.Get, new Uri(fixture.Api.BaseAddress, requestPath), token, proof));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Proof_WithoutAth_IsRefused()
    {
        var token = BoundToken();

        var response = await SendAsync(token, _key.Proof("GET", Photos, accessToken: null));

        await AssertRefusedAsync(response, "invalid_dpop_proof", "The DPoP proof's ath does not match the access token.");
    }

    [Fact]
    public async Task Proof_WithAthOfAnotherToken_IsRefused()
    {
        var token = BoundToken();

        var response = await SendAsync(token, _key.Proof("GET", Photos, BoundToken()));

        await AssertRefusedAsync(response, "invalid_dpop_proof", "The DPoP proof's ath does not match the access token.");
    }

    [Fact]
    public async Task StolenToken_WithTheThiefsOwnProof_IsRefusedForItsKeyBinding()
    {
        var token = BoundToken();
        var thief = DpopKey.EC();

        var response = await SendAsync(token, thief.Proof("GET", Photos, token));

        // RFC 9449 §7.1: a key that does not match cnf.jkt is an invalid_token, not an invalid proof.
        await AssertRefusedAsync(response, "invalid_token", "The DPoP proof's key is not the key the access token is bound to.");
    }

    [Fact]
    public async Task StolenToken_PresentedAsBearer_IsRefused()
    {
        // RFC 9449 §7.2: the downgrade a thief would try first.
        var response = await fixture.Api.WithToken(BoundToken()).GetAsync(Photos);

        var challenge = await HttpAssert.InvalidToken(response);
        Assert.Equal("The access token is DPoP-bound; send it with the DPoP scheme and a proof.", challenge["error_description"]);
    }

    [Fact]
    public async Task UnboundToken_WithDpopScheme_IsRefused()
    {
        var token = fixture.Issuer.Token(ApiFixture.NewSubject("alice"));

        var response = await SendAsync(token, _key.Proof("GET", Photos, token));

        await AssertRefusedAsync(response, "invalid_token", "The access token is not DPoP-bound; send it with the Bearer scheme.");
    }

    [Fact]
    public async Task DpopScheme_WithoutProof_IsRefused()
    {
        var response = await SendAsync(BoundToken());

        await AssertRefusedAsync(response, "invalid_dpop_proof", "The DPoP scheme needs exactly one DPoP header with a proof.");
    }

    [Fact]
    public async Task TwoDpopHeaders_AreRefused()
    {
        var token = BoundToken();

        var response = await RawHttp.SendAsync(fixture.Api.BaseAddress, "GET", "/v1/photos",
            [$"Authorization: DPoP {token}", $"DPoP: {_key.Proof("GET", Photos, token)}", $"DPoP: {_key.Proof("GET", Photos, token)}"]);

        Assert.Equal(401, response.Status);
        Assert.Contains("DPoP error=\"invalid_dpop_proof\", error_description=\"The DPoP scheme needs exactly one DPoP header with a proof.\"", response.Headers, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DpopHeader_WithBearerScheme_IsRefused()
    {
        var token = fixture.Issuer.Token(ApiFixture.NewSubject("alice"));
        var request = new HttpRequestMessage(HttpMethod.Get, Photos);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.TryAddWithoutValidation("DPoP", _key.Proof("GET", Photos, token));

        var response = await fixture.Api.Anonymous().SendAsync(request);

        await HttpAssert.Problem(response, HttpStatusCode.BadRequest);
        var challenge = HttpAssert.BearerChallenge(response);
        Assert.Equal("invalid_request", challenge["error"]);
    }

    [Fact]
    public async Task BoundTokenWithoutScope_Gets403InsufficientScopeInTheDpopChallenge()
    {
        var token = BoundToken();
        var request = DpopProofs.Request(HttpMethod.Post, Photos, token, _key.Proof("POST", Photos, token));
        request.Content = JsonContent.Create(new { title = "Not allowed" });

        var response = await fixture.Api.Anonymous().SendAsync(request);

        await HttpAssert.Problem(response, HttpStatusCode.Forbidden);
        var challenge = HttpAssert.DpopChallenge(response);
        Assert.Equal("insufficient_scope", challenge["error"]);
        Assert.Equal("photos.write", challenge["scope"]);
    }

    [Fact]
    public async Task BadTokenWithDpopScheme_GetsInvalidTokenInTheDpopChallenge()
    {
        var token = fixture.Issuer.Token(ApiFixture.NewSubject("alice"), claims: _key.Cnf, key: fixture.Issuer.CurrentKey.Impostor());

        var response = await SendAsync(token, _key.Proof("GET", Photos, token));

        await AssertRefusedAsync(response, "invalid_token", "The access token signature is invalid.");
    }

    [Theory]
    [InlineData("\"not an object\"")]
    [InlineData("{\"jkt\":42}")]
    [InlineData("{\"kid\":\"unknown-method\"}")]
    public async Task TokenWithUncheckableCnf_IsRefused(string cnf)
    {
        var token = fixture.Issuer.Token(ApiFixture.NewSubject("alice"), claims: new Dictionary<string, object?> { ["cnf"] = System.Text.Json.JsonDocument.Parse(cnf).RootElement });

        var response = await fixture.Api.WithToken(token).GetAsync(Photos);

        await HttpAssert.InvalidToken(response);
    }
}
