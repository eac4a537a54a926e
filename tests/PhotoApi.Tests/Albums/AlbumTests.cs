namespace PhotoApi.Tests.Albums;

/// <summary>Users organise photos in albums; one user's albums and photos never mix with another's.</summary>
[Collection(ApiCollection.Name)]
public sealed class AlbumTests(ApiFixture fixture)
{
    private static async Task<string> CreateAsync(HttpClient client, string path, object body) =>
        (await HttpAssert.Ok<JsonElement>(await client.PostAsJsonAsync(path, body), HttpStatusCode.Created)).GetProperty("id").GetString()!;

    [Fact]
    public async Task CreateAlbum_Returns201WithLocationAndAnEmptyAlbum()
    {
        var client = fixture.AsUser(ApiFixture.NewSubject("alice"));

        var response = await client.PostAsJsonAsync("/v1/albums", new { title = "Holidays", description = "2024" });

        var album = await HttpAssert.Ok<JsonElement>(response, HttpStatusCode.Created);
        Assert.Equal($"/v1/albums/{album.GetProperty("id").GetString()}", response.Headers.Location?.ToString());
        Assert.Equal("Holidays", album.GetProperty("title").GetString());
        Assert.Equal(0, album.GetProperty("photoCount").GetInt64());
        Assert.Equal(JsonValueKind.Null, album.GetProperty("coverPhotoId").ValueKind);
    }

    [Fact]
    public async Task AddingPhotos_CountsThemAndTheLatestIsTheCover()
    {
        var client = fixture.AsUser(ApiFixture.NewSubject("alice"));
        var album = await CreateAsync(client, "/v1/albums", new { title = "Trip" });
        var first = await CreateAsync(client, "/v1/photos", new { title = "first" });
        var second = await CreateAsync(client, "/v1/photos", new { title = "second" });

        Assert.Equal(HttpStatusCode.NoContent, (await client.PutAsync($"/v1/albums/{album}/photos/{first}", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.PutAsync($"/v1/albums/{album}/photos/{second}", null)).StatusCode);

        var fetched = await HttpAssert.Ok<JsonElement>(await client.GetAsync($"/v1/albums/{album}"));
        Assert.Equal(2, fetched.GetProperty("photoCount").GetInt64());
        Assert.Equal(second, fetched.GetProperty("coverPhotoId").GetString());
    }

    [Fact]
    public async Task AddingThePhotoTwice_Is204BothTimesAndOneMembership()
    {
        var client = fixture.AsUser(ApiFixture.NewSubject("alice"));
        var album = await CreateAsync(client, "/v1/albums", new { title = "Once" });
        var photo = await CreateAsync(client, "/v1/photos", new { title = "p" });

        Assert.Equal(HttpStatusCode.NoContent, (await client.PutAsync($"/v1/albums/{album}/photos/{photo}", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.PutAsync($"/v1/albums/{album}/photos/{photo}", null)).StatusCode);

        Assert.Equal(1L, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM album_photos WHERE album_id = @a", ("a", Guid.Parse(album))));
    }

    [Fact]
    public async Task AlbumPhotos_AreListedInTheOrderTheyWereAdded_AcrossPages()
    {
        var client = fixture.AsUser(ApiFixture.NewSubject("alice"));
        var album = await CreateAsync(client, "/v1/albums", new { title = "Ordered" });
        var photos = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            photos.Add(await CreateAsync(client, "/v1/photos", new { title = $"p{i}" }));
        }
        // Added in a different order from creation.
        var order = new[] { photos[3], photos[0], photos[4], photos[1], photos[2] };
        foreach (var photo in order)
        {
            await client.PutAsync($"/v1/albums/{album}/photos/{photo}", null);
        }

        var seen = new List<string>();
        string? token = null;
        do
        {
            var page = await HttpAssert.Ok<JsonElement>(await client.GetAsync($"/v1/albums/{album}/photos?pageSize=2{(token is null ? "" : $"&pageToken={token}")}"));
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(p => p.GetProperty("id").GetString()!));
            token = page.TryGetProperty("nextPageToken", out var next) ? next.GetString() : null;
        }
        while (token is not null);

        Assert.Equal(order, seen);
    }

    [Fact]
    public async Task RemovingAPhoto_TakesItOutOfTheAlbumOnly()
    {
        var client = fixture.AsUser(ApiFixture.NewSubject("alice"));
        var album = await CreateAsync(client, "/v1/albums", new { title = "A" });
        var photo = await CreateAsync(client, "/v1/photos", new { title = "p" });
        await client.PutAsync($"/v1/albums/{album}/photos/{photo}", null);

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/v1/albums/{album}/photos/{photo}")).StatusCode);

        await HttpAssert.Problem(await client.DeleteAsync($"/v1/albums/{album}/photos/{photo}"), HttpStatusCode.NotFound);
        Assert.Equal(0, (await HttpAssert.Ok<JsonElement>(await client.GetAsync($"/v1/albums/{album}"))).GetProperty("photoCount").GetInt64());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/v1/photos/{photo}")).StatusCode);
    }

    [Fact]
    public async Task DeletingAPhoto_RemovesItFromEveryAlbum()
    {
        var client = fixture.AsUser(ApiFixture.NewSubject("alice"));
        var one = await CreateAsync(client, "/v1/albums", new { title = "One" });
        var two = await CreateAsync(client, "/v1/albums", new { title = "Two" });
        var photo = await CreateAsync(client, "/v1/photos", new { title = "in both" });
        await client.PutAsync($"/v1/albums/{one}/photos/{photo}", null);
        await client.PutAsync($"/v1/albums/{two}/photos/{photo}", null);

        await client.DeleteAsync($"/v1/photos/{photo}");

        Assert.Equal(0L, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM album_photos WHERE photo_id = @p", ("p", Guid.Parse(photo))));
        Assert.Equal(0, (await HttpAssert.Ok<JsonElement>(await client.GetAsync($"/v1/albums/{one}/photos"))).GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task DeletingAnAlbum_KeepsItsPhotos()
    {
        var client = fixture.AsUser(ApiFixture.NewSubject("alice"));
        var album = await CreateAsync(client, "/v1/albums", new { title = "Gone" });
        var photo = await CreateAsync(client, "/v1/photos", new { title = "stays" });
        await client.PutAsync($"/v1/albums/{album}/photos/{photo}", null);

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/v1/albums/{album}")).StatusCode);

        await HttpAssert.Problem(await client.GetAsync($"/v1/albums/{album}"), HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/v1/photos/{photo}")).StatusCode);
    }

    [Fact]
    public async Task PatchAlbum_ChangesTitleAndClearsDescription()
    {
        var client = fixture.AsUser(ApiFixture.NewSubject("alice"));
        var album = await CreateAsync(client, "/v1/albums", new { title = "Old", description = "d" });

        var patched = await HttpAssert.Ok<JsonElement>(await client.PatchAsync($"/v1/albums/{album}",
            new StringContent("{\"title\":\"New\",\"description\":null}", System.Text.Encoding.UTF8, "application/merge-patch+json")));

        Assert.Equal("New", patched.GetProperty("title").GetString());
        Assert.Equal(JsonValueKind.Null, patched.GetProperty("description").ValueKind);
    }

    [Fact]
    public async Task ListAlbums_IsNewestFirstAndPaged()
    {
        var client = fixture.AsUser(ApiFixture.NewSubject("alice"));
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(await CreateAsync(client, "/v1/albums", new { title = $"a{i}" }));
        }

        var first = await HttpAssert.Ok<JsonElement>(await client.GetAsync("/v1/albums?pageSize=2"));
        var second = await HttpAssert.Ok<JsonElement>(await client.GetAsync($"/v1/albums?pageSize=2&pageToken={first.GetProperty("nextPageToken").GetString()}"));

        var seen = first.GetProperty("items").EnumerateArray().Concat(second.GetProperty("items").EnumerateArray()).Select(a => a.GetProperty("id").GetString()).ToList();
        Assert.Equal(Enumerable.Reverse(ids), seen);
        Assert.False(second.TryGetProperty("nextPageToken", out _));
    }

    [Fact]
    public async Task InvalidAlbum_Gets400WithFieldErrors()
    {
        var client = fixture.AsUser(ApiFixture.NewSubject("alice"));

        var errors = HttpAssert.Errors(await HttpAssert.Problem(await client.PostAsJsonAsync("/v1/albums", new { title = "", cover = "x" }), HttpStatusCode.BadRequest));

        Assert.Equal(["cover", "title"], errors.Keys.Order());
    }

    [Fact]
    public async Task AnotherUsersAlbum_Is404EverywhereAndStaysUnchanged()
    {
        var alice = fixture.AsUser(ApiFixture.NewSubject("alice"));
        var bob = fixture.AsUser(ApiFixture.NewSubject("bob"));
        var album = await CreateAsync(alice, "/v1/albums", new { title = "Alice's" });
        var alicePhoto = await CreateAsync(alice, "/v1/photos", new { title = "alice photo" });
        await alice.PutAsync($"/v1/albums/{album}/photos/{alicePhoto}", null);
        var bobPhoto = await CreateAsync(bob, "/v1/photos", new { title = "bob photo" });

        await HttpAssert.Problem(await bob.GetAsync($"/v1/albums/{album}"), HttpStatusCode.NotFound);
        await HttpAssert.Problem(await bob.GetAsync($"/v1/albums/{album}/photos"), HttpStatusCode.NotFound);
        await HttpAssert.Problem(await bob.PatchAsJsonAsync($"/v1/albums/{album}", new { title = "Bob's now" }), HttpStatusCode.NotFound);
        await HttpAssert.Problem(await bob.PutAsync($"/v1/albums/{album}/photos/{bobPhoto}", null), HttpStatusCode.NotFound);
        await HttpAssert.Problem(await bob.DeleteAsync($"/v1/albums/{album}/photos/{alicePhoto}"), HttpStatusCode.NotFound);
        await HttpAssert.Problem(await bob.DeleteAsync($"/v1/albums/{album}"), HttpStatusCode.NotFound);

        var stored = await HttpAssert.Ok<JsonElement>(await alice.GetAsync($"/v1/albums/{album}"));
        Assert.Equal("Alice's", stored.GetProperty("title").GetString());
        Assert.Equal(1, stored.GetProperty("photoCount").GetInt64());
    }

    [Fact]
    public async Task AddingAnotherUsersPhotoToMyAlbum_Is404()
    {
        var alice = fixture.AsUser(ApiFixture.NewSubject("alice"));
        var bob = fixture.AsUser(ApiFixture.NewSubject("bob"));
        var bobAlbum = await CreateAsync(bob, "/v1/albums", new { title = "Bob's" });
        var alicePhoto = await CreateAsync(alice, "/v1/photos", new { title = "alice photo" });

        await HttpAssert.Problem(await bob.PutAsync($"/v1/albums/{bobAlbum}/photos/{alicePhoto}", null), HttpStatusCode.NotFound);

        Assert.Equal(0L, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM album_photos WHERE photo_id = @p", ("p", Guid.Parse(alicePhoto))));
    }

    [Fact]
    public async Task TheDatabaseItself_RefusesAMembershipAcrossUsers()
    {
        var alice = fixture.AsUser(ApiFixture.NewSubject("alice"));
        var bob = fixture.AsUser(ApiFixture.NewSubject("bob"));
        var bobAlbum = await CreateAsync(bob, "/v1/albums", new { title = "Bob's" });
        var alicePhoto = await CreateAsync(alice, "/v1/photos", new { title = "alice photo" });

        var error = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => fixture.Database.ExecuteAsync(
            "INSERT INTO album_photos (album_id, photo_id, user_id) SELECT @a, @p, user_id FROM albums WHERE id = @a",
            ("a", Guid.Parse(bobAlbum)), ("p", Guid.Parse(alicePhoto))));

        Assert.Equal("23503", error.SqlState); // foreign_key_violation
    }

    [Fact]
    public async Task ReadOnlyToken_CanListButNotChangeAlbums()
    {
        var subject = ApiFixture.NewSubject("alice");
        var reader = fixture.AsUser(subject, "photos.read");

        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("/v1/albums")).StatusCode);
        var response = await reader.PostAsJsonAsync("/v1/albums", new { title = "x" });
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("photos.write", HttpAssert.BearerChallenge(response)["scope"]);
    }
}
