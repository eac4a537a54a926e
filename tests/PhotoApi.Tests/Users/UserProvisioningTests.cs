namespace PhotoApi.Tests.Users;

/// <summary>Users are (iss, sub) pairs, created on their first call; the profile shows name and email from the presented token only.</summary>
[Collection(ApiCollection.Name)]
public sealed class UserProvisioningTests(ApiFixture fixture)
{
    [Fact]
    public async Task FirstCall_CreatesTheUserFromTheToken()
    {
        var subject = ApiFixture.NewSubject("alice");
        var client = fixture.AsUser(subject, "photos.read", new Dictionary<string, object?> { ["name"] = "Alice Example", ["email"] = "alice@example.com" });

        var me = JsonDocument.Parse(await (await client.GetAsync("/v1/me")).Content.ReadAsStringAsync()).RootElement;

        Assert.Equal("Alice Example", me.GetProperty("displayName").GetString());
        Assert.Equal("alice@example.com", me.GetProperty("email").GetString());
        Assert.Equal(0, me.GetProperty("photoCount").GetInt64());
        Assert.True(Guid.TryParse(me.GetProperty("id").GetString(), out _));
        Assert.True(me.GetProperty("createdAt").GetDateTime() > DateTime.UtcNow.AddMinutes(-5));
        Assert.Equal(1L, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM users WHERE subject = @s", ("s", subject)));
    }

    [Fact]
    public async Task ConcurrentFirstCalls_CreateExactlyOneUser()
    {
        var subject = ApiFixture.NewSubject("racer");
        var token = fixture.Issuer.Token(subject, "photos.read photos.write");

        var responses = await Task.WhenAll(Enumerable.Range(0, 24).Select(i => fixture.Api.WithToken(token).GetAsync("/v1/me")));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var ids = await Task.WhenAll(responses.Select(async r => JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()));
        Assert.Single(ids.Distinct());
        Assert.Equal(1L, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM users WHERE subject = @s", ("s", subject)));
    }

    [Fact]
    public async Task Profile_ShowsOnlyWhatThePresentedTokenCarries_NotWhatAnotherClientWasTold()
    {
        var subject = ApiFixture.NewSubject("alice");
        // Alice let PhotoPrint see her name and email...
        var photoPrint = fixture.AsUser(subject, "photos.read", new Dictionary<string, object?> { ["name"] = "Alice", ["email"] = "alice@example.com" });
        Assert.Equal("alice@example.com", Text(await HttpAssert.Ok<JsonElement>(await photoPrint.GetAsync("/v1/me")), "email"));

        // ...but consented to nothing of the kind for another app: its token has no name or email, and neither has its answer.
        var other = fixture.AsUser(subject, "photos.read", new Dictionary<string, object?> { ["client_id"] = "frame-shop" });
        var me = await HttpAssert.Ok<JsonElement>(await other.GetAsync("/v1/me"));

        Assert.Null(Text(me, "email"));
        Assert.Null(Text(me, "displayName"));
        Assert.Equal(Text(await HttpAssert.Ok<JsonElement>(await photoPrint.GetAsync("/v1/me")), "id"), Text(me, "id")); // the same user
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    [Fact]
    public async Task PhotoCount_CountsOnlyTheCallersPhotos()
    {
        var alice = fixture.AsUser(ApiFixture.NewSubject("alice"));
        var bob = fixture.AsUser(ApiFixture.NewSubject("bob"));
        await alice.CreatePhotoAsync("one");
        await alice.CreatePhotoAsync("two");
        await bob.CreatePhotoAsync("bob's");

        var me = JsonDocument.Parse(await (await alice.GetAsync("/v1/me")).Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(2, me.GetProperty("photoCount").GetInt64());
    }
}
