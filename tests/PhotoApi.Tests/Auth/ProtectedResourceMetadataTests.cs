namespace PhotoApi.Tests.Auth;

/// <summary>RFC 9728: a client that got a 401 can follow resource_metadata and learn where to get a token.</summary>
[Collection(ApiCollection.Name)]
public sealed class ProtectedResourceMetadataTests(ApiFixture fixture)
{
    [Fact]
    public async Task Metadata_IsAnonymousAndNamesIssuerScopesAndHeaderMethod()
    {
        var client = fixture.Api.Anonymous();
        var challenge = HttpAssert.BearerChallenge(await client.GetAsync("/v1/photos"));

        var response = await client.GetAsync(new Uri(challenge["resource_metadata"]));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(fixture.Api.BaseAddress.ToString().TrimEnd('/'), document.GetProperty("resource").GetString());
        Assert.Equal([fixture.Issuer.Authority], document.GetProperty("authorization_servers").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["photos.read", "photos.write", "photos.admin"], document.GetProperty("scopes_supported").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["header"], document.GetProperty("bearer_methods_supported").EnumerateArray().Select(e => e.GetString()));
        Assert.EndsWith("/swagger", document.GetProperty("resource_documentation").GetString());
        Assert.Equal(["ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "RS256", "RS384", "RS512"],
            document.GetProperty("dpop_signing_alg_values_supported").EnumerateArray().Select(e => e.GetString()));
        Assert.False(document.GetProperty("dpop_bound_access_tokens_required").GetBoolean());
        Assert.False(document.GetProperty("tls_client_certificate_bound_access_tokens").GetBoolean());
    }
}
