using System.Net.Http.Headers;

namespace PhotoApi.Tests.Photos;

/// <summary>Optimistic concurrency: two apps editing one photo cannot overwrite each other unknowingly.</summary>
[Collection(ApiCollection.Name)]
public sealed class PhotoConcurrencyTests(ApiFixture fixture)
{
    private async Task<(HttpClient Client, string Id, EntityTagHeaderValue ETag)> PhotoAsync()
    {
        var client = fixture.AsUser(ApiFixture.NewSubject("alice"));
        var id = await client.CreatePhotoAsync("Original");
        var read = await client.GetAsync($"/v1/photos/{id}");
        return (client, id, read.Headers.ETag!);
    }

    private static HttpRequestMessage Patch(string id, string title, string? ifMatch)
    {
        var request = new HttpRequestMessage(HttpMethod.Patch, $"/v1/photos/{id}") { Content = JsonContent.Create(new { title }) };
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }
        return request;
    }

    [Fact]
    public async Task Get_ReturnsAStrongETag_ThatChangesWithEveryChange()
    {
        var (client, id, etag) = await PhotoAsync();

        Assert.False(etag.IsWeak);
        var patched = await client.SendAsync(Patch(id, "Renamed", null));
        Assert.NotEqual(etag, patched.Headers.ETag);
        Assert.Equal(patched.Headers.ETag, (await client.GetAsync($"/v1/photos/{id}")).Headers.ETag);
        var uploaded = await client.PutAsync($"/v1/photos/{id}/content", Images.Content(Images.Png(100), "image/png"));
        Assert.NotEqual(patched.Headers.ETag, uploaded.Headers.ETag);
    }

    [Fact]
    public async Task PatchWithTheCurrentETag_Succeeds()
    {
        var (client, id, etag) = await PhotoAsync();

        var response = await client.SendAsync(Patch(id, "Mine", etag.Tag));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task PatchWithAStaleETag_Gets412AndChangesNothing()
    {
        var (client, id, etag) = await PhotoAsync();
        await client.SendAsync(Patch(id, "Changed by the other app", etag.Tag));

        var response = await client.SendAsync(Patch(id, "Lost update", etag.Tag));

        await HttpAssert.Problem(response, HttpStatusCode.PreconditionFailed);
        Assert.Equal("Changed by the other app", await fixture.Database.ScalarAsync<string>("SELECT title FROM photos WHERE id = @id", ("id", Guid.Parse(id))));
    }

    [Fact]
    public async Task WeakETagInIfMatch_NeverMatches()
    {
        var (client, id, etag) = await PhotoAsync();

        // RFC 9110 §13.1.1: If-Match uses the strong comparison.
        await HttpAssert.Problem(await client.SendAsync(Patch(id, "x", $"W/{etag.Tag}")), HttpStatusCode.PreconditionFailed);
    }

    [Fact]
    public async Task IfMatchStar_MatchesAnExistingPhotoOnly()
    {
        var (client, id, _) = await PhotoAsync();

        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(Patch(id, "x", "*"))).StatusCode);
        await HttpAssert.Problem(await client.SendAsync(Patch(Guid.NewGuid().ToString(), "x", "*")), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task DeleteWithAStaleETag_Gets412AndThePhotoStays()
    {
        var (client, id, etag) = await PhotoAsync();
        await client.SendAsync(Patch(id, "Changed", null));

        using var delete = new HttpRequestMessage(HttpMethod.Delete, $"/v1/photos/{id}");
        delete.Headers.IfMatch.Add(etag);
        await HttpAssert.Problem(await client.SendAsync(delete), HttpStatusCode.PreconditionFailed);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/v1/photos/{id}")).StatusCode);
    }

    [Fact]
    public async Task DeleteWithTheCurrentETag_Deletes()
    {
        var (client, id, etag) = await PhotoAsync();

        using var delete = new HttpRequestMessage(HttpMethod.Delete, $"/v1/photos/{id}");
        delete.Headers.IfMatch.Add(etag);

        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(delete)).StatusCode);
    }

    [Fact]
    public async Task MalformedIfMatch_Gets400()
    {
        var (client, id, _) = await PhotoAsync();

        await HttpAssert.Problem(await client.SendAsync(Patch(id, "x", "not-an-etag")), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task AnotherUsersPhoto_Is404EvenWithIfMatch()
    {
        var (_, id, etag) = await PhotoAsync();
        var bob = fixture.AsUser(ApiFixture.NewSubject("bob"));

        // Never 412 for someone else's photo: that would reveal it exists.
        await HttpAssert.Problem(await bob.SendAsync(Patch(id, "x", etag.Tag)), HttpStatusCode.NotFound);
        await HttpAssert.Problem(await bob.SendAsync(Patch(id, "x", "\"999\"")), HttpStatusCode.NotFound);
    }
}
