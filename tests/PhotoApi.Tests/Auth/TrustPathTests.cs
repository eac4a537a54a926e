using PhotoApi.Tests.Infrastructure;

namespace PhotoApi.Tests.Auth;

/// <summary>
/// The production trust path: the API knows only the issuer's URL; it reads the discovery document and the JWKS over
/// HTTP, and picks up a rotated key on the first request that needs it.
/// </summary>
public sealed class TrustPathTests : IAsyncLifetime
{
    private TestIssuer _issuer = null!;
    private TestDatabase _database = null!;
    private PhotoApiFactory _api = null!;

    public async Task InitializeAsync()
    {
        _issuer = await TestIssuer.StartAsync(SigningKey.EC("ec-1"));
        _database = await TestDatabase.CreateAsync();
        _api = new PhotoApiFactory(_issuer.Authority, _database.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        await _issuer.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task Keys_AreDiscoveredOverHttpFromTheIssuer()
    {
        var response = await _api.WithToken(_issuer.Token("alice")).GetAsync("/v1/photos");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(_issuer.RequestCount("/.well-known/openid-configuration") >= 1);
        Assert.True(_issuer.RequestCount("/jwks") >= 1);
    }

    [Fact]
    public async Task RotatedKey_IsAcceptedOnTheFirstRequestThatUsesIt()
    {
        Assert.Equal(HttpStatusCode.OK, (await _api.WithToken(_issuer.Token("alice")).GetAsync("/v1/photos")).StatusCode);

        var rotated = SigningKey.Rsa("rsa-2026");
        _issuer.PublishedKeys.Add(rotated);
        await Task.Delay(TimeSpan.FromSeconds(1.1)); // past the test's Auth__KeyRefreshMinInterval of 1 s

        var response = await _api.WithToken(_issuer.Token("alice", key: rotated)).GetAsync("/v1/photos");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task DiscoveryDocumentNamingAnotherIssuer_IsNotTrusted()
    {
        _issuer.DocumentIssuerOverride = "https://someone-else.example";

        var response = await _api.WithToken(_issuer.Token("alice")).GetAsync("/v1/photos");

        // No keys could be accepted at all: the API says so with a 503 instead of blaming the token.
        await HttpAssert.Problem(response, HttpStatusCode.ServiceUnavailable);
        Assert.NotNull(response.Headers.RetryAfter);
    }
}
