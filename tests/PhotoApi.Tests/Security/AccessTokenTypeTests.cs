namespace PhotoApi.Tests.Security;

/// <summary>
/// The generic profile is RFC 9068's: by default only <c>typ: at+jwt</c> passes (§4), compared as a media type (RFC 7515
/// §4.1.9, RFC 8725 §3.11: case-insensitive, "application/" optional). An operator whose issuer writes <c>typ: JWT</c> can turn
/// the type check off; ID tokens are then still refused by their own claims.
/// </summary>
public sealed class AccessTokenTypeTests : IAsyncLifetime
{
    private OwnApi _default = null!;
    private OwnApi _typeCheckOff = null!;

    public async Task InitializeAsync()
    {
        _default = await OwnApi.CreateAsync();
        _typeCheckOff = await OwnApi.CreateAsync(new Dictionary<string, string?> { ["Auth:RequireAccessTokenType"] = "false" });
    }

    public async Task DisposeAsync()
    {
        await _default.DisposeAsync();
        await _typeCheckOff.DisposeAsync();
    }

    [Theory]
    [InlineData("JWT")]
    [InlineData("id_token+jwt")]
    [InlineData("at+jwt+x")]
    [InlineData(null)]
    public async Task ByDefault_TokenOfAnotherType_IsRefused(string? typ)
    {
        var token = _default.Issuer.Token("alice", header: new Dictionary<string, object?> { ["typ"] = typ });

        var response = await _default.Api.WithToken(token).GetAsync("/v1/photos");

        var challenge = await HttpAssert.InvalidToken(response);
        Assert.Equal("The token type is not accepted; an RFC 9068 access token (typ at+jwt) is required.", challenge["error_description"]);
    }

    [Theory]
    [InlineData("at+jwt")]
    [InlineData("application/at+jwt")]
    [InlineData("AT+JWT")]
    [InlineData("Application/At+Jwt")]
    public async Task ByDefault_AccessTokenType_IsAccepted_AsAMediaType(string typ)
    {
        var token = _default.Issuer.Token("alice", header: new Dictionary<string, object?> { ["typ"] = typ });

        Assert.Equal(HttpStatusCode.OK, (await _default.Api.WithToken(token).GetAsync("/v1/photos")).StatusCode);
    }

    [Fact]
    public async Task TypeCheckOff_AcceptsTypJwt()
    {
        var token = _typeCheckOff.Issuer.Token("alice", header: new Dictionary<string, object?> { ["typ"] = "JWT" });

        Assert.Equal(HttpStatusCode.OK, (await _typeCheckOff.Api.WithToken(token).GetAsync("/v1/photos")).StatusCode);
    }

    [Theory]
    [InlineData("nonce")]
    [InlineData("at_hash")]
    [InlineData("c_hash")]
    public async Task TypeCheckOff_IdTokenIsStillRefused_ByItsOwnClaims(string idTokenClaim)
    {
        // OpenID Connect Core §2, §3.3.2.11: these claims appear in ID tokens only.
        var token = _typeCheckOff.Issuer.Token("alice", claims: new Dictionary<string, object?> { [idTokenClaim] = "x" }, header: new Dictionary<string, object?> { ["typ"] = "JWT" });

        var response = await _typeCheckOff.Api.WithToken(token).GetAsync("/v1/photos");

        await HttpAssert.Problem(response, HttpStatusCode.Unauthorized);
        Assert.Equal("The token is not an access token.", HttpAssert.BearerChallenge(response)["error_description"]);
    }
}
