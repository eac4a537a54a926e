namespace PhotoApi.DevIssuer.Tests;

public sealed class DiscoveryTests(DevIssuerHost host) : IClassFixture<DevIssuerHost>
{
    private async Task<JsonElement> GetJsonAsync(string path)
    {
        using var http = host.NewHttpClient();
        return JsonDocument.Parse(await http.GetStringAsync(path)).RootElement.Clone();
    }

    private static string[] Strings(JsonElement document, string property) =>
        [.. document.GetProperty(property).EnumerateArray().Select(e => e.GetString()!)];

    [Fact]
    public async Task Discovery_ListsEveryEndpointUnderTheIssuer()
    {
        var metadata = await GetJsonAsync(".well-known/openid-configuration");

        Assert.Equal(host.Issuer, metadata.GetProperty("issuer").GetString());
        Assert.Equal(host.Issuer + "connect/authorize", metadata.GetProperty("authorization_endpoint").GetString());
        Assert.Equal(host.Issuer + "connect/token", metadata.GetProperty("token_endpoint").GetString());
        Assert.Equal(host.Issuer + "connect/revoke", metadata.GetProperty("revocation_endpoint").GetString());
        Assert.Equal(host.Issuer + ".well-known/jwks", metadata.GetProperty("jwks_uri").GetString());
        Assert.Equal(host.Issuer + "connect/device", metadata.GetProperty("device_authorization_endpoint").GetString());
    }

    [Fact]
    public async Task Discovery_IssuerEndsWithASlash_SoTheApiMustConfigureItsAuthorityTheSameWay()
    {
        var metadata = await GetJsonAsync(".well-known/openid-configuration");

        Assert.EndsWith(":" + host.BaseAddress.Port + "/", metadata.GetProperty("issuer").GetString());
    }

    [Fact]
    public async Task Discovery_OffersOnlyS256ForPkce()
    {
        var metadata = await GetJsonAsync(".well-known/openid-configuration");

        Assert.Equal(["S256"], Strings(metadata, "code_challenge_methods_supported"));
    }

    [Fact]
    public async Task Discovery_ListsTheFourGrantTypes()
    {
        var metadata = await GetJsonAsync(".well-known/openid-configuration");

        Assert.Equal(
            ["authorization_code", "client_credentials", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code"],
            Strings(metadata, "grant_types_supported").Order());
    }

    [Fact]
    public async Task Discovery_ListsThePhotoScopes()
    {
        var metadata = await GetJsonAsync(".well-known/openid-configuration");

        Assert.Equal(
            ["email", "offline_access", "openid", "photos.admin", "photos.read", "photos.write", "profile"],
            Strings(metadata, "scopes_supported").Order());
    }

    [Fact]
    public async Task OAuthServerMetadata_Rfc8414_IsServedToo()
    {
        var metadata = await GetJsonAsync(".well-known/oauth-authorization-server");

        Assert.Equal(host.Issuer, metadata.GetProperty("issuer").GetString());
        Assert.Equal(host.Issuer + "connect/token", metadata.GetProperty("token_endpoint").GetString());
    }

    [Fact]
    public async Task Jwks_PublishesOneEs256KeyWithAKid()
    {
        var jwks = await GetJsonAsync(".well-known/jwks");

        var key = Assert.Single(jwks.GetProperty("keys").EnumerateArray());
        Assert.False(string.IsNullOrEmpty(key.GetProperty("kid").GetString()));
        Assert.Equal("EC", key.GetProperty("kty").GetString());
        Assert.Equal("P-256", key.GetProperty("crv").GetString());
        Assert.Equal("ES256", key.GetProperty("alg").GetString());
    }

    [Fact]
    public async Task Jwks_HasNoPrivateKeyMaterial()
    {
        var jwks = await GetJsonAsync(".well-known/jwks");

        var key = Assert.Single(jwks.GetProperty("keys").EnumerateArray());
        Assert.False(key.TryGetProperty("d", out _));
    }

    [Fact]
    public async Task Health_Answers200()
    {
        using var http = host.NewHttpClient();

        using var response = await http.GetAsync("health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task UnknownPath_IsAProblemJson404()
    {
        using var http = host.NewHttpClient();

        using var response = await http.GetAsync("no-such-page");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
