using System.Net.Http.Headers;

namespace PhotoApi.Tests.Auth;

/// <summary>RFC 6750 §3 and RFC 9728 §5.1: what a client is told when its token is missing, bad, or not enough.</summary>
[Collection(ApiCollection.Name)]
public sealed class BearerChallengeTests(ApiFixture fixture)
{
    private string MetadataUrl => $"{fixture.Api.BaseAddress.ToString().TrimEnd('/')}/.well-known/oauth-protected-resource";

    [Fact]
    public async Task NoToken_Gets401WithBareBearerChallengeAndResourceMetadata()
    {
        var response = await fixture.Api.Anonymous().GetAsync("/v1/photos");

        await HttpAssert.Problem(response, HttpStatusCode.Unauthorized);
        var challenge = HttpAssert.BearerChallenge(response);
        Assert.False(challenge.ContainsKey("error")); // §3.1: no error code when no credentials were sent
        Assert.Equal(MetadataUrl, challenge["resource_metadata"]);
    }

    [Fact]
    public async Task BadToken_Gets401InvalidTokenWithShortDescriptionThatDoesNotEchoTheToken()
    {
        var token = fixture.Issuer.Token(ApiFixture.NewSubject("alice"), key: fixture.Issuer.CurrentKey.Impostor());

        var response = await fixture.Api.WithToken(token).GetAsync("/v1/photos");

        var problem = await HttpAssert.Problem(response, HttpStatusCode.Unauthorized);
        var challenge = HttpAssert.BearerChallenge(response);
        Assert.Equal("invalid_token", challenge["error"]);
        Assert.Equal("The access token signature is invalid.", challenge["error_description"]);
        Assert.Equal(MetadataUrl, challenge["resource_metadata"]);
        Assert.Equal(challenge["error_description"], problem.GetProperty("detail").GetString());
        var everything = response.Headers.ToString() + await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain(token.Split('.')[1], everything, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokenWithoutRequiredScope_Gets403InsufficientScopeNamingTheScope()
    {
        var client = fixture.AsUser(ApiFixture.NewSubject("reader"), "photos.read");

        var response = await client.PostAsync("/v1/photos", JsonContent.Create(new { title = "Not allowed" }));

        var problem = await HttpAssert.Problem(response, HttpStatusCode.Forbidden);
        var challenge = HttpAssert.BearerChallenge(response);
        Assert.Equal("insufficient_scope", challenge["error"]);
        Assert.Equal("photos.write", challenge["scope"]);
        Assert.Equal(MetadataUrl, challenge["resource_metadata"]);
        Assert.Contains("photos.write", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task LowerCaseBearerScheme_IsAccepted()
    {
        var client = fixture.Api.Anonymous();
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "bearer " + fixture.Issuer.Token(ApiFixture.NewSubject("alice")));

        var response = await client.GetAsync("/v1/photos");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task TokenInQueryString_IsIgnored()
    {
        var token = fixture.Issuer.Token(ApiFixture.NewSubject("alice"));

        var response = await fixture.Api.Anonymous().GetAsync($"/v1/photos?access_token={token}");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.False(HttpAssert.BearerChallenge(response).ContainsKey("error"));
    }

    [Fact]
    public async Task OtherAuthenticationScheme_IsTreatedAsNoToken()
    {
        var client = fixture.Api.Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", "YWxpY2U6c2VjcmV0");

        var response = await client.GetAsync("/v1/photos");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.False(HttpAssert.BearerChallenge(response).ContainsKey("error"));
    }

    [Fact]
    public async Task AppToken_OnUserEndpoint_Gets403SayingAUserTokenIsNeeded()
    {
        var client = fixture.AsApp("photoprint-service", "photos.read photos.write");

        var response = await client.GetAsync("/v1/photos");

        var problem = await HttpAssert.Problem(response, HttpStatusCode.Forbidden);
        Assert.Contains("user-delegated access token", problem.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("/v1/me")]
    [InlineData("/v1/photos")]
    [InlineData("/v1/admin/usage")]
    public async Task TokenWithoutSubject_IsNeitherUserNorApp_AndIsRefusedEverywhere(string path)
    {
        // RFC 9068 §2.2: sub is required; without it nothing proves a user or an application, so nothing is granted.
        var token = fixture.Issuer.Token(subject: null, scope: "photos.read photos.admin");

        var response = await fixture.Api.WithToken(token).GetAsync(path);

        var problem = await HttpAssert.Problem(response, HttpStatusCode.Forbidden);
        Assert.Contains("neither a user", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokenWithoutClientId_IsNeitherUserNorApp()
    {
        // Generic profile: a user token is one whose client_id (or azp) names a client other than sub. No client, no user.
        var subject = ApiFixture.NewSubject("alice");
        var token = fixture.Issuer.Token(subject, "photos.read", new Dictionary<string, object?> { ["client_id"] = null });

        var response = await fixture.Api.WithToken(token).GetAsync("/v1/photos");

        var problem = await HttpAssert.Problem(response, HttpStatusCode.Forbidden);
        Assert.Contains("neither a user", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0L, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM users WHERE subject = @s", ("s", subject)));
    }
}
