namespace PhotoApi.Tests.Admin;

/// <summary>Operators' service jobs read totals with client-credentials tokens that carry no user.</summary>
[Collection(ApiCollection.Name)]
public sealed class UsageTests(ApiFixture fixture)
{
    [Fact]
    public async Task AppTokenWithAdminScope_ReadsTotalsThatMatchTheDatabase()
    {
        // Totals are service-wide: a database of the test's own, so they are exactly what this story wrote, whatever other tests do.
        await using var own = await OwnApi.CreateAsync();
        var alice = own.Api.WithToken(own.Issuer.Token(ApiFixture.NewSubject("alice"), "photos.read photos.write"));
        var photo = await alice.CreatePhotoAsync("counted");
        await alice.UploadContentAsync(photo, Images.Png(1234));
        await alice.CreateAlbumAsync("counted too");
        var job = own.Api.WithToken(own.Issuer.Token("photo-admin-job", "photos.admin", new Dictionary<string, object?> { ["client_id"] = "photo-admin-job" }));

        var usage = await HttpAssert.Ok<JsonElement>(await job.GetAsync("/v1/admin/usage"));

        Assert.Equal(await own.Database.ScalarAsync<long>("SELECT count(*) FROM users"), usage.GetProperty("users").GetInt64());
        Assert.Equal(await own.Database.ScalarAsync<long>("SELECT count(*) FROM photos"), usage.GetProperty("photos").GetInt64());
        Assert.Equal(await own.Database.ScalarAsync<long>("SELECT count(*) FROM albums"), usage.GetProperty("albums").GetInt64());
        Assert.Equal(await own.Database.ScalarAsync<long>("SELECT coalesce(sum(size_bytes), 0)::bigint FROM photos"), usage.GetProperty("contentBytes").GetInt64());
        Assert.Equal((1L, 1L, 1L, 1234L), (usage.GetProperty("users").GetInt64(), usage.GetProperty("photos").GetInt64(), usage.GetProperty("albums").GetInt64(), usage.GetProperty("contentBytes").GetInt64()));
    }

    [Fact]
    public async Task AppToken_OnAUserEndpoint_Gets403()
    {
        var job = fixture.AsApp("photo-admin-job", "photos.admin photos.read");

        var problem = await HttpAssert.Problem(await job.GetAsync("/v1/photos"), HttpStatusCode.Forbidden);

        Assert.Contains("user-delegated", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UserTokenWithoutAdminScope_Gets403InsufficientScope()
    {
        var alice = fixture.AsUser(ApiFixture.NewSubject("alice"), "photos.read photos.write");

        var response = await alice.GetAsync("/v1/admin/usage");

        await HttpAssert.Problem(response, HttpStatusCode.Forbidden);
        var challenge = HttpAssert.BearerChallenge(response);
        Assert.Equal("insufficient_scope", challenge["error"]);
        Assert.Equal("photos.admin", challenge["scope"]);
    }

    [Fact]
    public async Task AppTokenWithoutAdminScope_Gets403InsufficientScope()
    {
        var service = fixture.AsApp("photoprint-service", "photos.read");

        var response = await service.GetAsync("/v1/admin/usage");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("photos.admin", HttpAssert.BearerChallenge(response)["scope"]);
    }
}
