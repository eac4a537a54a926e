using System.Net;
using System.Net.Http.Json;
using PhotoApi.Tests.Infrastructure;

namespace PhotoApi.Tests.Smoke;

[Collection(ApiCollection.Name)]
public sealed class SmokeTests(ApiFixture fixture)
{
    [Fact]
    public async Task CreateThenList()
    {
        var client = fixture.AsUser(ApiFixture.NewSubject("alice"));
        var created = await client.PostAsJsonAsync("/v1/photos", new { title = "Beach" });
        var body = await created.Content.ReadAsStringAsync();
        Assert.True(created.StatusCode == HttpStatusCode.Created, body);
        var list = await client.GetAsync("/v1/photos");
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Contains("Beach", await list.Content.ReadAsStringAsync());
    }
}
