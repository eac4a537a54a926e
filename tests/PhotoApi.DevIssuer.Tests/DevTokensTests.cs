using System.Net.Http.Json;

namespace PhotoApi.DevIssuer.Tests;

public sealed class DevTokensTests(DevIssuerHost host) : IClassFixture<DevIssuerHost>
{
    private async Task<(HttpStatusCode Status, JsonElement Body, string? ContentType)> MintAsync(object request)
    {
        using var http = host.NewHttpClient();
        using var response = await http.PostAsJsonAsync("dev/tokens", request);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        return (response.StatusCode, body, response.Content.Headers.ContentType?.MediaType);
    }

    private async Task<Jwt> MintJwtAsync(object request)
    {
        var (status, body, _) = await MintAsync(request);
        Assert.Equal(HttpStatusCode.OK, status);
        return Jwt.Decode(body.GetProperty("access_token").GetString()!);
    }

    [Fact]
    public async Task DevToken_CarriesTheRequestedClaims()
    {
        var jwt = await MintJwtAsync(new
        {
            subject = "carol",
            name = "Carol Tester",
            email = "carol@example.com",
            scopes = new[] { "photos.read", "photos.write" },
            clientId = "photoprint",
            acr = "urn:photoapi:acr:mfa",
            authTime = 1_700_000_000,
        });

        Assert.Equal("carol", jwt.Claim("sub"));
        Assert.Equal("Carol Tester", jwt.Claim("name"));
        Assert.Equal("carol@example.com", jwt.Claim("email"));
        Assert.Equal("photos.read photos.write", jwt.Claim("scope"));
        Assert.Equal("photoprint", jwt.Claim("client_id"));
        Assert.Equal("urn:photoapi:acr:mfa", jwt.Claim("acr"));
        Assert.Equal(1_700_000_000, jwt.NumericClaim("auth_time"));
        Assert.Equal("photo-api", jwt.Claim("aud"));
        Assert.Equal(host.Issuer, jwt.Claim("iss"));
    }

    [Fact]
    public async Task DevToken_AcceptsScopesAsOneSpaceDelimitedString()
    {
        var jwt = await MintJwtAsync(new { subject = "alice", scopes = "photos.read photos.write" });

        Assert.Equal("photos.read photos.write", jwt.Claim("scope"));
    }

    [Fact]
    public async Task DevToken_FillsNameAndEmailOfADemoUser()
    {
        var jwt = await MintJwtAsync(new { subject = "bob", scopes = "photos.read" });

        Assert.Equal("Bob Example", jwt.Claim("name"));
        Assert.Equal("bob@example.com", jwt.Claim("email"));
    }

    [Fact]
    public async Task DevToken_HasTheSameHeaderAndClaimNamesAsAnOpenIddictUserToken()
    {
        var issued = await host.SignInAndGetTokensAsync(Client.PhotoPrint, "alice");
        var openIddict = Jwt.Decode(issued.AccessToken!);
        var dev = await MintJwtAsync(new
        {
            subject = "alice",
            scopes = "photos.read",
            clientId = "photoprint",
            acr = "urn:photoapi:acr:pwd",
            authTime = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
        });

        Assert.Equal(openIddict.HeaderValue("typ"), dev.HeaderValue("typ"));
        Assert.Equal(openIddict.HeaderValue("alg"), dev.HeaderValue("alg"));
        Assert.Equal(openIddict.HeaderValue("kid"), dev.HeaderValue("kid"));
        Assert.Equal(PublicClaimNames(openIddict), PublicClaimNames(dev));
    }

    [Fact]
    public async Task DevToken_VerifiesAgainstThePublishedKeys()
    {
        var (_, body, _) = await MintAsync(new { subject = "alice", scopes = "photos.read" });
        using var http = host.NewHttpClient();

        var result = await Jwt.ValidateAsync(body.GetProperty("access_token").GetString()!, http, host.Issuer);

        Assert.True(result.IsValid, result.Exception?.Message);
    }

    [Fact]
    public async Task DevToken_AnswersLikeATokenEndpoint()
    {
        var (status, body, _) = await MintAsync(new { subject = "alice", scopes = new[] { "photos.read" }, lifetimeSeconds = 120 });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Bearer", body.GetProperty("token_type").GetString());
        Assert.Equal(120, body.GetProperty("expires_in").GetInt64());
        Assert.Equal("photos.read", body.GetProperty("scope").GetString());
    }

    [Fact]
    public async Task DevToken_LivesAsLongAsAsked()
    {
        var jwt = await MintJwtAsync(new { subject = "alice", lifetimeSeconds = 120 });

        Assert.Equal(120, jwt.NumericClaim("exp") - jwt.NumericClaim("iat"));
    }

    [Fact]
    public async Task DevToken_LastsOneHourByDefault()
    {
        var jwt = await MintJwtAsync(new { subject = "alice" });

        Assert.Equal(3600, jwt.NumericClaim("exp") - jwt.NumericClaim("iat"));
    }

    [Fact]
    public async Task DevToken_IssuedInThePast_IsAlreadyExpired()
    {
        var issuedAt = DateTimeOffset.UtcNow.AddHours(-2).ToUnixTimeSeconds();
        var (_, body, _) = await MintAsync(new { subject = "alice", issuedAt, lifetimeSeconds = 60 });
        using var http = host.NewHttpClient();

        var result = await Jwt.ValidateAsync(body.GetProperty("access_token").GetString()!, http, host.Issuer);

        Assert.False(result.IsValid);
        Assert.IsType<Microsoft.IdentityModel.Tokens.SecurityTokenExpiredException>(result.Exception);
    }

    [Fact]
    public async Task DevToken_ForAnotherAudience_SaysSo()
    {
        var jwt = await MintJwtAsync(new { subject = "alice", audience = "other-api" });

        Assert.Equal("other-api", jwt.Claim("aud"));
    }

    [Fact]
    public async Task MissingSubject_IsAValidationProblem()
    {
        var (status, body, contentType) = await MintAsync(new { scopes = "photos.read" });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("application/problem+json", contentType);
        Assert.True(body.GetProperty("errors").TryGetProperty("subject", out _));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(604801)]
    public async Task LifetimeOutOfRange_IsAValidationProblem(int lifetimeSeconds)
    {
        var (status, body, _) = await MintAsync(new { subject = "alice", lifetimeSeconds });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(body.GetProperty("errors").TryGetProperty("lifetimeSeconds", out _));
    }

    [Fact]
    public async Task WronglyTypedField_IsAValidationProblemForThatField()
    {
        var (status, body, _) = await MintAsync(new { subject = "alice", lifetimeSeconds = "an hour" });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(body.GetProperty("errors").TryGetProperty("lifetimeSeconds", out _));
    }

    [Fact]
    public async Task ScopesOfTheWrongShape_AreAValidationProblem()
    {
        var (status, body, _) = await MintAsync(new { subject = "alice", scopes = new[] { 1, 2 } });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(body.GetProperty("errors").TryGetProperty("scopes", out _));
    }

    [Fact]
    public async Task EveryMistake_IsReportedAtOnce()
    {
        var (_, body, _) = await MintAsync(new { lifetimeSeconds = 0, authTime = -1, scopes = "bad\"scope" });

        var errors = body.GetProperty("errors");
        Assert.True(errors.TryGetProperty("subject", out _));
        Assert.True(errors.TryGetProperty("lifetimeSeconds", out _));
        Assert.True(errors.TryGetProperty("authTime", out _));
        Assert.True(errors.TryGetProperty("scopes", out _));
    }

    private static string[] PublicClaimNames(Jwt jwt) =>
        [.. jwt.Payload.EnumerateObject().Select(p => p.Name).Where(name => !name.StartsWith("oi_", StringComparison.Ordinal)).Order()];
}

public sealed class DevTokensSwitchedOffTests : IAsyncLifetime
{
    private readonly DevIssuerHost _host = DevIssuerHost.With(new Dictionary<string, string?> { ["DevIssuer:EnableDevTokens"] = "false" });

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _host.DisposeAsync().AsTask();

    [Fact]
    public async Task SwitchedOff_DevTokensAreNotFound()
    {
        using var http = _host.NewHttpClient();

        using var response = await http.PostAsJsonAsync("dev/tokens", new { subject = "alice" });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
