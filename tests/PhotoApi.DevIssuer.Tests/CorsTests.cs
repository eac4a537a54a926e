namespace PhotoApi.DevIssuer.Tests;

/// <summary>Swagger UI (http://localhost:5000 by default) calls the issuer from JavaScript.</summary>
public sealed class CorsTests(DevIssuerHost host) : IClassFixture<DevIssuerHost>
{
    private const string SwaggerOrigin = "http://localhost:5000";

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string origin, bool preflight = false)
    {
        using var http = host.NewHttpClient();
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Add("Origin", origin);
        if (preflight)
        {
            request.Headers.Add("Access-Control-Request-Method", "POST");
            request.Headers.Add("Access-Control-Request-Headers", "content-type");
        }

        return await http.SendAsync(request);
    }

    private static string? AllowedOrigin(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Access-Control-Allow-Origin", out var values) ? values.Single() : null;

    [Theory]
    [InlineData("/.well-known/openid-configuration")]
    [InlineData("/.well-known/oauth-authorization-server")]
    [InlineData("/.well-known/jwks")]
    public async Task SwaggerOrigin_MayReadTheMetadataAndKeys(string path)
    {
        using var response = await SendAsync(HttpMethod.Get, path, SwaggerOrigin);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(SwaggerOrigin, AllowedOrigin(response));
    }

    [Theory]
    [InlineData("/connect/token")]
    [InlineData("/connect/revoke")]
    public async Task SwaggerOrigin_MayPostToTokenAndRevocation(string path)
    {
        using var response = await SendAsync(HttpMethod.Options, path, SwaggerOrigin, preflight: true);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(SwaggerOrigin, AllowedOrigin(response));
        Assert.Contains("POST", response.Headers.GetValues("Access-Control-Allow-Methods").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SwaggerOrigin_MayReadTheDpopNonceOfATokenResponse()
    {
        using var response = await SendAsync(HttpMethod.Post, "/connect/token", SwaggerOrigin);

        // RFC 9449 §8: a browser client reads DPoP-Nonce to put it in its next proof; CORS hides it unless exposed.
        Assert.Contains("DPoP-Nonce", response.Headers.GetValues("Access-Control-Expose-Headers").Single(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task UnknownOrigin_GetsNoCorsHeaders()
    {
        using var response = await SendAsync(HttpMethod.Get, "/.well-known/openid-configuration", "http://evil.example");

        Assert.Null(AllowedOrigin(response));
    }

    [Fact]
    public async Task SignInPage_IsNotOpenToOtherOrigins()
    {
        using var response = await SendAsync(HttpMethod.Get, "/account/login", SwaggerOrigin);

        Assert.Null(AllowedOrigin(response));
    }
}
