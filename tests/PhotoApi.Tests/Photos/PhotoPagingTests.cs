namespace PhotoApi.Tests.Photos;

/// <summary>Keyset pages: newest first, no duplicates or gaps even while photos are added, tokens bound to their list.</summary>
[Collection(ApiCollection.Name)]
public sealed class PhotoPagingTests(ApiFixture fixture)
{
    [Fact]
    public async Task Pages_CoverEveryPhotoOnceNewestFirst_WhilePhotosAreBeingAdded()
    {
        var client = fixture.AsUser(ApiFixture.NewSubject("alice"));
        var original = new List<string>();
        for (var i = 0; i < 11; i++)
        {
            original.Add(await client.CreatePhotoAsync($"photo {i}"));
        }

        var seen = new List<string>();
        string? pageToken = null;
        var pages = 0;
        do
        {
            var page = await HttpAssert.Ok<JsonElement>(await client.GetAsync($"/v1/photos?pageSize=3{(pageToken is null ? "" : $"&pageToken={pageToken}")}"));
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(p => p.GetProperty("id").GetString()!));
            pageToken = page.TryGetProperty("nextPageToken", out var next) ? next.GetString() : null;
            pages++;
            // Someone adds a photo between every page: it is newer than everything listed so far.
            await client.CreatePhotoAsync($"added during page {pages}");
        }
        while (pageToken is not null);

        Assert.Equal(4, pages);
        Assert.Equal(Enumerable.Reverse(original), seen);
    }

    [Fact]
    public async Task LastPage_HasNoNextPageToken()
    {
        var client = fixture.AsUser(ApiFixture.NewSubject("alice"));
        await client.CreatePhotoAsync("only");

        var page = await HttpAssert.Ok<JsonElement>(await client.GetAsync("/v1/photos?pageSize=1"));

        Assert.Equal(1, page.GetProperty("items").GetArrayLength());
        Assert.False(page.TryGetProperty("nextPageToken", out _));
    }

    [Fact]
    public async Task DefaultPageSize_Is25()
    {
        var client = fixture.AsUser(ApiFixture.NewSubject("alice"));
        for (var i = 0; i < 26; i++)
        {
            await client.CreatePhotoAsync($"p{i}");
        }

        var page = await HttpAssert.Ok<JsonElement>(await client.GetAsync("/v1/photos"));

        Assert.Equal(25, page.GetProperty("items").GetArrayLength());
        Assert.True(page.TryGetProperty("nextPageToken", out _));
    }

    [Theory]
    [InlineData("pageSize=0", "pageSize")]
    [InlineData("pageSize=101", "pageSize")]
    [InlineData("pageToken=garbage", "pageToken")]
    [InlineData("pageToken=AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "pageToken")]
    public async Task BadPagingParameter_Gets400NamingIt(string query, string field)
    {
        var client = fixture.AsUser(ApiFixture.NewSubject("alice"));

        var errors = HttpAssert.Errors(await HttpAssert.Problem(await client.GetAsync($"/v1/photos?{query}"), HttpStatusCode.BadRequest));

        Assert.True(errors.ContainsKey(field));
    }

    [Fact]
    public async Task NonNumericPageSize_Gets400()
    {
        var client = fixture.AsUser(ApiFixture.NewSubject("alice"));

        var problem = await HttpAssert.Problem(await client.GetAsync("/v1/photos?pageSize=ten"), HttpStatusCode.BadRequest);

        Assert.Contains("pageSize", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnotherUsersPageToken_Gets400()
    {
        var alice = fixture.AsUser(ApiFixture.NewSubject("alice"));
        var bob = fixture.AsUser(ApiFixture.NewSubject("bob"));
        await alice.CreatePhotoAsync("1");
        await alice.CreatePhotoAsync("2");
        var token = (await HttpAssert.Ok<JsonElement>(await alice.GetAsync("/v1/photos?pageSize=1"))).GetProperty("nextPageToken").GetString();

        await HttpAssert.Problem(await bob.GetAsync($"/v1/photos?pageToken={token}"), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task TamperedPageToken_Gets400()
    {
        var alice = fixture.AsUser(ApiFixture.NewSubject("alice"));
        await alice.CreatePhotoAsync("1");
        await alice.CreatePhotoAsync("2");
        var token = (await HttpAssert.Ok<JsonElement>(await alice.GetAsync("/v1/photos?pageSize=1"))).GetProperty("nextPageToken").GetString()!;
        var tampered = token[..5] + (token[5] == 'A' ? 'B' : 'A') + token[6..];

        await HttpAssert.Problem(await alice.GetAsync($"/v1/photos?pageToken={tampered}"), HttpStatusCode.BadRequest);
    }
}
