namespace PhotoApi.Tests.Security;

[Collection(ApiCollection.Name)]
public sealed class ResponseHeaderTests(ApiFixture fixture)
{
    [Theory]
    [InlineData("/v1/photos")]
    [InlineData("/v1/me")]
    [InlineData("/v1/albums")]
    [InlineData("/v1/photos/not-an-id")]
    public async Task JsonResponses_AreNoStoreNosniffAndCarryNoServerBanner(string path)
    {
        var response = await fixture.AsUser(ApiFixture.NewSubject("alice")).GetAsync(path);

        Assert.True(response.Headers.CacheControl?.NoStore, $"{path}: Cache-Control is '{response.Headers.CacheControl}'");
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.False(response.Headers.Contains("Server"));
        Assert.False(response.Headers.Contains("X-Powered-By"));
    }

    [Fact]
    public async Task Errors_AreNoStoreToo()
    {
        var response = await fixture.Api.Anonymous().GetAsync("/v1/photos");

        Assert.True(response.Headers.CacheControl?.NoStore);
    }

    [Fact]
    public async Task ImageContent_IsPrivateNotNoStore()
    {
        var client = fixture.AsUser(ApiFixture.NewSubject("alice"));
        var id = await client.CreatePhotoAsync("p");
        await client.UploadContentAsync(id, Images.Png(100));

        var response = await client.GetAsync($"/v1/photos/{id}/content");

        Assert.True(response.Headers.CacheControl?.Private);
        Assert.False(response.Headers.CacheControl?.NoStore);
    }

    [Fact]
    public async Task OversizedHeaders_Get431_AndTooManyHeadersAreRefused()
    {
        var big = await RawHttp.SendAsync(fixture.Api.BaseAddress, "GET", "/health/live", [$"X-Big: {new string('x', 40 * 1024)}"]);
        var many = await RawHttp.SendAsync(fixture.Api.BaseAddress, "GET", "/health/live", Enumerable.Range(0, 100).Select(i => $"X-H{i}: v"));

        Assert.Equal(431, big.Status);
        Assert.Equal(431, many.Status);
    }
}
