using System.Text.Json;
using PhotoApi.Tests.Infrastructure;

namespace PhotoApi.Tests.Users;

/// <summary>Users are (iss, sub) pairs, created on their first call and refreshed from name/email claims.</summary>
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
    public async Task NewNameInALaterToken_RefreshesTheProfile()
    {
        var subject = ApiFixture.NewSubject("alice");
        await fixture.AsUser(subject, "", new Dictionary<string, object?> { ["name"] = "Alice", ["email"] = "old@example.com" }).GetAsync("/v1/me");

        var later = await fixture.AsUser(subject, "", new Dictionary<string, object?> { ["name"] = "Alice Married" }).GetAsync("/v1/me");

        var me = JsonDocument.Parse(await later.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("Alice Married", me.GetProperty("displayName").GetString());
        Assert.Equal("old@example.com", me.GetProperty("email").GetString()); // absent claims keep what was known
    }

    [Fact]
    public async Task PhotoCount_CountsOnlyTheCallersPhotos()
    {
        var alice = fixture.AsUser(ApiFixture.NewSubject("alice"));
        var bob = fixture.AsUser(ApiFixture.NewSubject("bob"));
        await alice.PostAsJsonAsync("/v1/photos", new { title = "one" });
        await alice.PostAsJsonAsync("/v1/photos", new { title = "two" });
        await bob.PostAsJsonAsync("/v1/photos", new { title = "bob's" });

        var me = JsonDocument.Parse(await (await alice.GetAsync("/v1/me")).Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(2, me.GetProperty("photoCount").GetInt64());
    }
}
