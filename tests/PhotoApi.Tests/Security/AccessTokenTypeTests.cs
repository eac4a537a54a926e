using PhotoApi.Tests.Infrastructure;

namespace PhotoApi.Tests.Security;

/// <summary>With Auth__RequireAccessTokenType=true only RFC 9068 access tokens pass: an ID token (typ JWT) is refused.</summary>
public sealed class AccessTokenTypeTests : IAsyncLifetime
{
    private TestIssuer _issuer = null!;
    private TestDatabase _database = null!;
    private PhotoApiFactory _api = null!;

    public async Task InitializeAsync()
    {
        _issuer = await TestIssuer.StartAsync();
        _database = await TestDatabase.CreateAsync(migrate: false);
        _api = new PhotoApiFactory(_issuer.Authority, _database.ConnectionString, new Dictionary<string, string?> { ["Auth:RequireAccessTokenType"] = "true" });
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        await _issuer.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Theory]
    [InlineData("JWT")]
    [InlineData("id_token+jwt")]
    [InlineData(null)]
    public async Task TokenOfAnotherType_IsRefused(string? typ)
    {
        var token = _issuer.Token("alice", header: new Dictionary<string, object?> { ["typ"] = typ });

        var response = await _api.WithToken(token).GetAsync("/v1/photos");

        await HttpAssert.Problem(response, HttpStatusCode.Unauthorized);
        var challenge = HttpAssert.BearerChallenge(response);
        Assert.Equal("invalid_token", challenge["error"]);
        Assert.Equal("The token type is not accepted; an RFC 9068 access token (typ at+jwt) is required.", challenge["error_description"]);
    }

    [Theory]
    [InlineData("at+jwt")]
    [InlineData("application/at+jwt")]
    public async Task AccessToken_IsAccepted(string typ)
    {
        var token = _issuer.Token("alice", header: new Dictionary<string, object?> { ["typ"] = typ });

        Assert.Equal(HttpStatusCode.OK, (await _api.WithToken(token).GetAsync("/v1/photos")).StatusCode);
    }
}
