namespace PhotoApi.Tests.Auth;

/// <summary>
/// The production trust path: the API knows only the issuer's URL; it reads the discovery document and the JWKS over
/// HTTP, and picks up a rotated key on the first request that needs it.
/// </summary>
public sealed class TrustPathTests : IAsyncLifetime
{
    private OwnApi _own = null!;

    public async Task InitializeAsync()
    {
        _own = await OwnApi.CreateAsync(key: SigningKey.EC("ec-1"));
    }

    public async Task DisposeAsync() => await _own.DisposeAsync();

    [Fact]
    public async Task Keys_AreDiscoveredOverHttpFromTheIssuer()
    {
        var response = await _own.Api.WithToken(_own.Issuer.Token("alice")).GetAsync("/v1/photos");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(_own.Issuer.RequestCount("/.well-known/openid-configuration") >= 1);
        Assert.True(_own.Issuer.RequestCount("/jwks") >= 1);
    }

    [Fact]
    public async Task RotatedKey_IsAcceptedOnTheFirstRequestThatUsesIt()
    {
        Assert.Equal(HttpStatusCode.OK, (await _own.Api.WithToken(_own.Issuer.Token("alice")).GetAsync("/v1/photos")).StatusCode);

        var rotated = SigningKey.Rsa("rsa-2026");
        _own.Issuer.PublishedKeys.Add(rotated);

        var response = await _own.Api.WithToken(_own.Issuer.Token("alice", key: rotated)).GetAsync("/v1/photos");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task DiscoveryDocumentNamingAnotherIssuer_IsNotTrusted()
    {
        _own.Issuer.DocumentIssuerOverride = "https://someone-else.example";

        var response = await _own.Api.WithToken(_own.Issuer.Token("alice")).GetAsync("/v1/photos");

        // No keys could be accepted at all: the API says so with a 503 instead of blaming the token.
        await HttpAssert.Problem(response, HttpStatusCode.ServiceUnavailable);
        Assert.NotNull(response.Headers.RetryAfter);
    }
}
