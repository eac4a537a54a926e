namespace PhotoApi.Tests.Auth;

/// <summary>Scopes arrive as a space-delimited "scope" (RFC 9068) or as "scp", a string (Entra ID) or an array (Okta).</summary>
[Collection(ApiCollection.Name)]
public sealed class ScopeTests(ApiFixture fixture)
{
    [Fact]
    public async Task ScopeString_GrantsEachListedScope()
    {
        var client = fixture.AsUser(ApiFixture.NewSubject("alice"), "openid photos.read photos.write");

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/photos")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/v1/photos", new { title = "t" })).StatusCode);
    }

    [Fact]
    public async Task ScpArray_IsReadLikeScope()
    {
        var token = fixture.Issuer.Token(ApiFixture.NewSubject("okta-user"), scope: "", claims: new Dictionary<string, object?>
        {
            ["scope"] = null,
            ["scp"] = new[] { "photos.read", "photos.write" },
        });
        var client = fixture.Api.WithToken(token);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/photos")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/v1/photos", new { title = "t" })).StatusCode);
    }

    [Fact]
    public async Task ScpString_IsSpaceDelimited()
    {
        var token = fixture.Issuer.Token(ApiFixture.NewSubject("entra-user"), scope: "", claims: new Dictionary<string, object?>
        {
            ["scope"] = null,
            ["scp"] = "photos.read",
        });
        var client = fixture.Api.WithToken(token);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/photos")).StatusCode);
        var write = await client.PostAsJsonAsync("/v1/photos", new { title = "t" });
        Assert.Equal("photos.write", HttpAssert.BearerChallenge(write)["scope"]);
    }

    [Fact]
    public async Task ScopeThatOnlyContainsOursAsASubstring_DoesNotGrantIt()
    {
        var client = fixture.AsUser(ApiFixture.NewSubject("alice"), "photos.readonly xphotos.read");

        var response = await client.GetAsync("/v1/photos");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("insufficient_scope", HttpAssert.BearerChallenge(response)["error"]);
    }

    [Fact]
    public async Task NoPhotoApiScope_BuysNothing_NotEvenTheProfile()
    {
        var client = fixture.AsUser(ApiFixture.NewSubject("alice"), "openid profile");

        var me = await client.GetAsync("/v1/me");
        var photos = await client.GetAsync("/v1/photos");

        await HttpAssert.Problem(me, HttpStatusCode.Forbidden);
        Assert.Equal("photos.read", HttpAssert.BearerChallenge(me)["scope"]);
        Assert.Equal(HttpStatusCode.Forbidden, photos.StatusCode);
        Assert.Equal("photos.read", HttpAssert.BearerChallenge(photos)["scope"]);
    }
}
