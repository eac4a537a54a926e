namespace PhotoApi.DevIssuer.Tests;

public sealed class ClientCredentialsTests(DevIssuerHost host) : IClassFixture<DevIssuerHost>
{
    [Fact]
    public async Task AdminJob_GetsAnRfc9068AccessToken()
    {
        using var tokens = host.NewTokenClient();

        var response = await tokens.ClientCredentialsAsync("photo-admin-job", "photo-admin-job-secret");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        var jwt = Jwt.Decode(response.AccessToken!);
        Assert.Equal("at+jwt", jwt.HeaderValue("typ"));
        Assert.Equal("ES256", jwt.HeaderValue("alg"));
        Assert.False(string.IsNullOrEmpty(jwt.HeaderValue("kid")));
    }

    [Fact]
    public async Task AppToken_NamesTheClientAsSubjectAndClientId()
    {
        using var tokens = host.NewTokenClient();

        var response = (await tokens.ClientCredentialsAsync("photo-admin-job", "photo-admin-job-secret")).EnsureTokens();

        var jwt = Jwt.Decode(response.AccessToken!);
        Assert.Equal(host.Issuer, jwt.Claim("iss"));
        Assert.Equal("photo-api", jwt.Claim("aud"));
        Assert.Equal("photo-admin-job", jwt.Claim("client_id"));
        Assert.Equal("photo-admin-job", jwt.Claim("sub")); // RFC 9068 §2.2: no user, so sub identifies the client.
        Assert.False(jwt.Has("name"));
        Assert.False(jwt.Has("auth_time"));
    }

    [Fact]
    public async Task AppToken_WithoutAScopeParameter_GetsEveryScopeTheClientIsAllowed()
    {
        using var tokens = host.NewTokenClient();

        var response = (await tokens.ClientCredentialsAsync("photo-admin-job", "photo-admin-job-secret")).EnsureTokens();

        Assert.Equal("photos.admin", Jwt.Decode(response.AccessToken!).Claim("scope"));
        Assert.Equal("photos.admin", response.Scope);
    }

    [Fact]
    public async Task AppToken_ScopeIsOneSpaceDelimitedString()
    {
        using var tokens = host.NewTokenClient();

        var response = (await tokens.ClientCredentialsAsync("photo-admin-job", "photo-admin-job-secret", "photos.admin")).EnsureTokens();

        Assert.Equal(System.Text.Json.JsonValueKind.String, Jwt.Decode(response.AccessToken!).Payload.GetProperty("scope").ValueKind);
    }

    [Fact]
    public async Task AppToken_LastsOneHourByDefault()
    {
        using var tokens = host.NewTokenClient();

        var response = (await tokens.ClientCredentialsAsync("photoprint-service", "photoprint-service-secret")).EnsureTokens();

        var jwt = Jwt.Decode(response.AccessToken!);
        Assert.Equal(3600, jwt.NumericClaim("exp") - jwt.NumericClaim("iat"));
    }

    [Fact]
    public async Task AppToken_VerifiesAgainstThePublishedKeys()
    {
        using var tokens = host.NewTokenClient();
        using var http = host.NewHttpClient();
        var response = (await tokens.ClientCredentialsAsync("photoprint-service", "photoprint-service-secret")).EnsureTokens();

        var result = await Jwt.ValidateAsync(response.AccessToken!, http, host.Issuer);

        Assert.True(result.IsValid, result.Exception?.Message);
    }

    [Fact]
    public async Task WrongSecret_IsInvalidClient()
    {
        using var tokens = host.NewTokenClient();

        var response = await tokens.ClientCredentialsAsync("photo-admin-job", "not-the-secret");

        response.AssertError(HttpStatusCode.Unauthorized, "invalid_client");
    }

    [Fact]
    public async Task ScopeTheClientIsNotAllowed_IsInvalidScope()
    {
        using var tokens = host.NewTokenClient();

        var response = await tokens.ClientCredentialsAsync("photo-admin-job", "photo-admin-job-secret", "photos.write");

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("invalid_scope", response.Error); // RFC 6749 §5.2 (OpenIddict 7.8 alone says invalid_request).
        Assert.Null(response.AccessToken);
    }

    [Fact]
    public async Task ClientWithoutTheGrant_IsRefused()
    {
        using var tokens = host.NewTokenClient();

        var response = await tokens.ClientCredentialsAsync("photoprint", "photoprint-secret");

        response.AssertError(HttpStatusCode.BadRequest, "unauthorized_client");
    }
}
