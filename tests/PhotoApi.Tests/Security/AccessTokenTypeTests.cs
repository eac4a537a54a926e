using PhotoApi.Tests.Infrastructure;

namespace PhotoApi.Tests.Security;

/// <summary>With Auth__RequireAccessTokenType=true only RFC 9068 access tokens pass: an ID token (typ JWT) is refused.</summary>
public sealed class AccessTokenTypeTests : IAsyncLifetime
{
    private OwnApi _own = null!;

    public async Task InitializeAsync()
    {
        _own = await OwnApi.CreateAsync(new Dictionary<string, string?> { ["Auth:RequireAccessTokenType"] = "true" });
    }

    public async Task DisposeAsync() => await _own.DisposeAsync();

    [Theory]
    [InlineData("JWT")]
    [InlineData("id_token+jwt")]
    [InlineData(null)]
    public async Task TokenOfAnotherType_IsRefused(string? typ)
    {
        var token = _own.Issuer.Token("alice", header: new Dictionary<string, object?> { ["typ"] = typ });

        var response = await _own.Api.WithToken(token).GetAsync("/v1/photos");

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
        var token = _own.Issuer.Token("alice", header: new Dictionary<string, object?> { ["typ"] = typ });

        Assert.Equal(HttpStatusCode.OK, (await _own.Api.WithToken(token).GetAsync("/v1/photos")).StatusCode);
    }
}
