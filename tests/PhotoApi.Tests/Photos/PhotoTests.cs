using System.Text;

namespace PhotoApi.Tests.Photos;

/// <summary>A user's photos: create, read, change, delete, and nobody else's.</summary>
[Collection(ApiCollection.Name)]
public sealed class PhotoTests(ApiFixture fixture)
{
    [Fact]
    public async Task CreatePhoto_Returns201WithLocationAndThePhoto()
    {
        var client = fixture.AsUser(ApiFixture.NewSubject("alice"));

        var response = await client.PostAsJsonAsync("/v1/photos", new { title = "Beach", description = "Low tide", takenAt = "2024-06-01T12:30:00+02:00" });

        var photo = await HttpAssert.Ok<JsonElement>(response, HttpStatusCode.Created);
        var id = photo.GetProperty("id").GetString();
        Assert.Equal($"/v1/photos/{id}", response.Headers.Location?.ToString());
        Assert.Equal("Beach", photo.GetProperty("title").GetString());
        Assert.Equal("Low tide", photo.GetProperty("description").GetString());
        Assert.Equal(new DateTime(2024, 6, 1, 10, 30, 0, DateTimeKind.Utc), photo.GetProperty("takenAt").GetDateTime().ToUniversalTime());
        var fetched = await HttpAssert.Ok<JsonElement>(await client.GetAsync(response.Headers.Location));
        Assert.Equal("Beach", fetched.GetProperty("title").GetString());
    }

    [Fact]
    public async Task AnotherUsersPhoto_Is404_IndistinguishableFromAMissingOrMalformedId()
    {
        var alice = fixture.AsUser(ApiFixture.NewSubject("alice"));
        var bob = fixture.AsUser(ApiFixture.NewSubject("bob"));
        var id = await alice.CreatePhotoAsync("Private");

        var answers = new[]
        {
            await bob.GetAsync($"/v1/photos/{id}"),
            await bob.GetAsync($"/v1/photos/{Guid.NewGuid()}"),
            await bob.GetAsync("/v1/photos/not-an-id"),
            await bob.GetAsync($"/v1/photos/{id!.ToUpperInvariant().Replace("-", "", StringComparison.Ordinal)}"),
        };

        var bodies = new List<string>();
        foreach (var answer in answers)
        {
            var problem = await HttpAssert.Problem(answer, HttpStatusCode.NotFound);
            bodies.Add($"{problem.GetProperty("title")}|{problem.GetProperty("detail")}|{problem.GetProperty("type")}");
        }
        Assert.Single(bodies.Distinct());
        Assert.DoesNotContain("Private", await answers[0].Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnotherUser_CannotChangeOrDeleteMyPhoto()
    {
        var alice = fixture.AsUser(ApiFixture.NewSubject("alice"));
        var bob = fixture.AsUser(ApiFixture.NewSubject("bob"));
        var id = await alice.CreatePhotoAsync("Mine");

        await HttpAssert.Problem(await bob.PatchAsJsonAsync($"/v1/photos/{id}", new { title = "Stolen" }), HttpStatusCode.NotFound);
        await HttpAssert.Problem(await bob.DeleteAsync($"/v1/photos/{id}"), HttpStatusCode.NotFound);

        Assert.Equal("Mine", await fixture.Database.ScalarAsync<string>("SELECT title FROM photos WHERE id = @id", ("id", Guid.Parse(id!))));
    }

    [Fact]
    public async Task Patch_ChangesOnlyTheFieldsSent_AndNullClears()
    {
        var client = fixture.AsUser(ApiFixture.NewSubject("alice"));
        var id = await client.CreatePhotoAsync("Old", "Keep me", "2020-01-01T00:00:00Z");

        var renamed = await HttpAssert.Ok<JsonElement>(await client.PatchAsJsonAsync($"/v1/photos/{id}", new { title = "New" }));
        Assert.Equal("New", renamed.GetProperty("title").GetString());
        Assert.Equal("Keep me", renamed.GetProperty("description").GetString());

        using var clear = new StringContent("{\"description\":null,\"takenAt\":null}", Encoding.UTF8, "application/merge-patch+json");
        var cleared = await HttpAssert.Ok<JsonElement>(await client.PatchAsync($"/v1/photos/{id}", clear));
        Assert.Equal(JsonValueKind.Null, cleared.GetProperty("description").ValueKind);
        Assert.Equal(JsonValueKind.Null, cleared.GetProperty("takenAt").ValueKind);
        Assert.Equal("New", cleared.GetProperty("title").GetString());
    }

    [Fact]
    public async Task Delete_Returns204_ThenThePhotoIsGone()
    {
        var client = fixture.AsUser(ApiFixture.NewSubject("alice"));
        var id = await client.CreatePhotoAsync("Bye");

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/v1/photos/{id}")).StatusCode);

        await HttpAssert.Problem(await client.GetAsync($"/v1/photos/{id}"), HttpStatusCode.NotFound);
        await HttpAssert.Problem(await client.DeleteAsync($"/v1/photos/{id}"), HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("{}", "title", "This field is required.")]
    [InlineData("{\"title\":\"\"}", "title", "This field must be 1 to 200 characters long.")]
    [InlineData("{\"title\":\"   \"}", "title", "This field cannot be blank.")]
    [InlineData("{\"title\":null}", "title", "This field cannot be null.")]
    [InlineData("{\"title\":42}", "title", "This field must be a string.")]
    [InlineData("{\"title\":\"t\",\"description\":[]}", "description", "This field must be a string.")]
    [InlineData("{\"title\":\"t\",\"takenAt\":\"yesterday\"}", "takenAt", "This field must be an RFC 3339 date-time with an offset, such as 2024-06-01T10:30:00Z.")]
    [InlineData("{\"title\":\"t\",\"takenAt\":\"2024-06-01T10:30:00\"}", "takenAt", "This field must be an RFC 3339 date-time with an offset, such as 2024-06-01T10:30:00Z.")]
    [InlineData("{\"title\":\"t\",\"owner\":\"bob\"}", "owner", "This field is not recognised.")]
    [InlineData("{\"title\":\"a\\u0000b\"}", "title", "This field contains characters that are not allowed (NUL or invalid Unicode).")]
    [InlineData("{\"title\":\"\\ud800\"}", "title", "This field contains characters that are not allowed (NUL or invalid Unicode).")]
    public async Task InvalidBody_Gets400WithTheFieldAndReason(string json, string field, string message)
    {
        var client = fixture.AsUser(ApiFixture.NewSubject("alice"));

        var response = await client.PostAsync("/v1/photos", new StringContent(json, Encoding.UTF8, "application/json"));

        var errors = HttpAssert.Errors(await HttpAssert.Problem(response, HttpStatusCode.BadRequest));
        Assert.Equal([message], errors[field]);
    }

    [Fact]
    public async Task SeveralInvalidFields_AreAllReportedAtOnce()
    {
        var subject = ApiFixture.NewSubject("alice");
        var client = fixture.AsUser(subject);

        var response = await client.PostAsJsonAsync("/v1/photos", new { title = new string('x', 201), description = new string('d', 2001), takenAt = 5, color = "red" });

        var errors = HttpAssert.Errors(await HttpAssert.Problem(response, HttpStatusCode.BadRequest));
        Assert.Equal(["color", "description", "takenAt", "title"], errors.Keys.Order());
        Assert.Equal(0L, await fixture.Database.ScalarAsync<long>(
            "SELECT count(*) FROM photos p JOIN users u ON u.id = p.user_id WHERE u.subject = @s", ("s", subject)));
    }

    [Fact]
    public async Task TitleLength_CountsCharactersNotBytes()
    {
        var client = fixture.AsUser(ApiFixture.NewSubject("alice"));

        var response = await client.PostAsJsonAsync("/v1/photos", new { title = string.Concat(Enumerable.Repeat("📷", 200)) });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Theory]
    [InlineData("not json", "application/json", HttpStatusCode.BadRequest)]
    [InlineData("[1,2,3]", "application/json", HttpStatusCode.BadRequest)]
    [InlineData("{\"title\":\"a\",\"title\":\"b\"}", "application/json", HttpStatusCode.BadRequest)]
    [InlineData("{\"title\":\"a\"}", "text/plain", HttpStatusCode.UnsupportedMediaType)]
    public async Task UnreadableBody_GetsAProblemAndWritesNothing(string body, string contentType, HttpStatusCode status)
    {
        var subject = ApiFixture.NewSubject("alice");
        var client = fixture.AsUser(subject);

        await HttpAssert.Problem(await client.PostAsync("/v1/photos", new StringContent(body, Encoding.UTF8, contentType)), status);

        Assert.Equal(0, (await HttpAssert.Ok<JsonElement>(await client.GetAsync("/v1/photos"))).GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task OversizedBody_Gets413()
    {
        var client = fixture.AsUser(ApiFixture.NewSubject("alice"));

        var response = await client.PostAsJsonAsync("/v1/photos", new { title = "t", description = new string('x', 70 * 1024) });

        await HttpAssert.Problem(response, HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task DeeplyNestedBody_Gets400()
    {
        var client = fixture.AsUser(ApiFixture.NewSubject("alice"));
        var json = "{\"title\":\"t\",\"x\":" + new string('[', 500) + new string(']', 500) + "}";

        await HttpAssert.Problem(await client.PostAsync("/v1/photos", new StringContent(json, Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);
    }
}
