using Microsoft.Extensions.Time.Testing;

namespace PhotoApi.Tests.Auth;

/// <summary>
/// RFC 9449 §11.1: a proof is accepted only within its iat window (shipped: 1 minute old, 30 s ahead by Auth__ClockSkew) and
/// only once within it. The intervals are the shipped ones; a fake clock lets time pass. Tokens live 3 h so the clock never outruns them.
/// </summary>
public sealed class DpopWindowTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly DpopKey _key = DpopKey.EC();
    private OwnApi _own = null!;

    public async Task InitializeAsync() => _own = await OwnApi.CreateAsync(time: _time);

    public async Task DisposeAsync() => await _own.DisposeAsync();

    private Uri Photos => new(_own.Api.BaseAddress, "/v1/photos");

    private string BoundToken() => _own.Issuer.Token(ApiFixture.NewSubject("alice"), "photos.read", _key.Cnf, lifetime: TimeSpan.FromHours(3));

    private async Task<HttpResponseMessage> SendAsync(string token, string proof) =>
        await _own.Api.Anonymous().SendAsync(DpopProofs.Request(HttpMethod.Get, Photos, token, proof));

    private static async Task AssertProofRefusedAsync(HttpResponseMessage response, string description)
    {
        await HttpAssert.Problem(response, HttpStatusCode.Unauthorized);
        var challenge = HttpAssert.DpopChallenge(response);
        Assert.Equal("invalid_dpop_proof", challenge["error"]);
        Assert.Equal(description, challenge["error_description"]);
    }

    [Fact]
    public async Task Proof_OlderThanOneMinute_IsRefused()
    {
        var token = BoundToken();
        var made = _time.GetUtcNow();

        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(token, _key.Proof("GET", Photos, token, issuedAt: made))).StatusCode);

        _time.Advance(TimeSpan.FromSeconds(2));
        await AssertProofRefusedAsync(await SendAsync(token, _key.Proof("GET", Photos, token, issuedAt: made)), "The DPoP proof is too old.");
    }

    [Fact]
    public async Task Proof_IssuedMoreThanTheClockSkewAhead_IsRefused()
    {
        var token = BoundToken();
        var now = _time.GetUtcNow();

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(token, _key.Proof("GET", Photos, token, issuedAt: now.AddSeconds(29)))).StatusCode);

        await AssertProofRefusedAsync(await SendAsync(token, _key.Proof("GET", Photos, token, issuedAt: now.AddSeconds(32))), "The DPoP proof was issued in the future.");
    }

    [Fact]
    public async Task Proof_ReplayedWithinTheWindow_IsRefused()
    {
        var token = BoundToken();
        var proof = _key.Proof("GET", Photos, token, issuedAt: _time.GetUtcNow());
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(token, proof)).StatusCode);

        _time.Advance(TimeSpan.FromSeconds(59));

        await AssertProofRefusedAsync(await SendAsync(token, proof), "The DPoP proof was used before.");
    }
}

/// <summary>
/// Two API instances on one database behind one public origin (Auth__ResourceUri), as behind a load balancer: a proof used at
/// one is refused at the other (Auth__Dpop__ReplayCache=PostgreSql shares the replay cache), and a nonce handed out by one is
/// accepted by the other (the same Auth__Dpop__NonceKey). Shipped windows, a fake clock.
/// </summary>
public sealed class DpopScaleOutTests : IAsyncLifetime
{
    private static readonly Uri Photos = new("https://photos.example/v1/photos");
    private readonly string _nonceKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly DpopKey _key = DpopKey.EC();
    private OwnApi _first = null!;
    private PhotoApiFactory _second = null!;

    public async Task InitializeAsync()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Auth:ResourceUri"] = "https://photos.example",
            ["Auth:Dpop:ReplayCache"] = "PostgreSql",
            ["Auth:Dpop:RequireNonce"] = "true",
            ["Auth:Dpop:NonceKey"] = _nonceKey,
        };
        _first = await OwnApi.CreateAsync(settings, time: _time);
        _first.Api.StartServer();
        _second = new PhotoApiFactory(_first.Issuer.Authority, _first.Database.ConnectionString, settings, time: _time);
    }

    public async Task DisposeAsync()
    {
        await _second.DisposeAsync();
        await _first.DisposeAsync();
    }

    private string BoundToken() => _first.Issuer.Token(ApiFixture.NewSubject("alice"), "photos.read", _key.Cnf, lifetime: TimeSpan.FromHours(3));

    private string Proof(string token, string? nonce) => _key.Proof("GET", Photos, token, issuedAt: _time.GetUtcNow(), nonce: nonce);

    private static async Task<HttpResponseMessage> SendAsync(PhotoApiFactory api, string token, string proof) =>
        await api.Anonymous().SendAsync(DpopProofs.Request(HttpMethod.Get, new Uri(api.BaseAddress, "/v1/photos"), token, proof));

    private async Task<string> NonceFromAsync(PhotoApiFactory api, string token)
    {
        var response = await SendAsync(api, token, Proof(token, nonce: null));
        await HttpAssert.Problem(response, HttpStatusCode.Unauthorized);
        var challenge = HttpAssert.DpopChallenge(response);
        Assert.Equal("use_dpop_nonce", challenge["error"]);
        return response.Headers.GetValues("DPoP-Nonce").Single();
    }

    [Fact]
    public async Task ProofWithoutNonce_GetsUseDpopNonce_ThenTheSuppliedNonceIsAccepted()
    {
        var token = BoundToken();

        var nonce = await NonceFromAsync(_first.Api, token);
        var response = await SendAsync(_first.Api, token, Proof(token, nonce));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("DPoP-Nonce")); // still current: nothing to renew (§8.2)
    }

    [Fact]
    public async Task NonceFromOneInstance_IsAcceptedByTheOther()
    {
        var token = BoundToken();

        var nonce = await NonceFromAsync(_first.Api, token);
        var response = await SendAsync(_second, token, Proof(token, nonce));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Nonce_IsRenewedInTheNextWindow_AndRefusedAfterIt()
    {
        var token = BoundToken();
        var nonce = await NonceFromAsync(_first.Api, token);

        // Shipped Auth__Dpop__NonceLifetime is 5 minutes: still good one window later (and a fresh one is offered), gone a window after.
        _time.Advance(TimeSpan.FromMinutes(5));
        var renewed = await SendAsync(_first.Api, token, Proof(token, nonce));
        Assert.Equal(HttpStatusCode.OK, renewed.StatusCode);
        Assert.NotEqual(nonce, renewed.Headers.GetValues("DPoP-Nonce").Single());
        _time.Advance(TimeSpan.FromMinutes(5));

        var response = await SendAsync(_first.Api, token, Proof(token, nonce));

        await HttpAssert.Problem(response, HttpStatusCode.Unauthorized);
        Assert.Equal("use_dpop_nonce", HttpAssert.DpopChallenge(response)["error"]);
        Assert.NotEqual(nonce, response.Headers.GetValues("DPoP-Nonce").Single());
    }

    [Fact]
    public async Task ProofForTheInstancesOwnAddress_IsRefused_ThePublicOriginCounts()
    {
        // htu is compared with Auth__ResourceUri's scheme, host and port, not with what the request came in on.
        var token = BoundToken();
        var nonce = await NonceFromAsync(_first.Api, token);
        var proof = _key.Proof("GET", new Uri(_first.Api.BaseAddress, "/v1/photos"), token, issuedAt: _time.GetUtcNow(), nonce: nonce);

        var response = await SendAsync(_first.Api, token, proof);

        await HttpAssert.Problem(response, HttpStatusCode.Unauthorized);
        Assert.Equal("The DPoP proof is for another URI.", HttpAssert.DpopChallenge(response)["error_description"]);
    }

    [Fact]
    public async Task ProofUsedAtOneInstance_IsRefusedAtTheOtherWithinTheWindow()
    {
        var token = BoundToken();
        var proof = Proof(token, await NonceFromAsync(_first.Api, token));
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(_first.Api, token, proof)).StatusCode);

        _time.Advance(TimeSpan.FromSeconds(59));
        var response = await SendAsync(_second, token, proof);

        await HttpAssert.Problem(response, HttpStatusCode.Unauthorized);
        var challenge = HttpAssert.DpopChallenge(response);
        Assert.Equal("invalid_dpop_proof", challenge["error"]);
        Assert.Equal("The DPoP proof was used before.", challenge["error_description"]);
    }
}
