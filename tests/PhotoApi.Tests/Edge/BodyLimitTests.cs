using System.Net.Http.Headers;
using PhotoApi.Tests.Photos;

namespace PhotoApi.Tests.Edge;

/// <summary>Photos__MaxContentBytes is exact in both framings: the limit is accepted, one byte more is 413, old content stays.</summary>
[Collection(ApiCollection.Name)]
public sealed class BodyLimitTests(ApiFixture fixture)
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ContentOfExactlyTheLimit_IsAccepted(bool chunked)
    {
        var (client, id) = await UserWithPhotoAsync();
        var image = Images.Png(ApiFixture.MaxContentBytes);

        var response = await client.SendAsync(Upload(id, image, chunked));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(image, await client.GetByteArrayAsync($"/v1/photos/{id}/content"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ContentOfTheLimitPlusOne_Is413_AndThePreviousContentStays(bool chunked)
    {
        var (client, id) = await UserWithPhotoAsync();
        var original = Images.Jpeg(10_000);
        await client.UploadContentAsync(id, original, "image/jpeg");

        var response = await client.SendAsync(Upload(id, Images.Png(ApiFixture.MaxContentBytes + 1), chunked));

        await HttpAssert.Problem(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(original, await client.GetByteArrayAsync($"/v1/photos/{id}/content"));
    }

    private static HttpRequestMessage Upload(string id, byte[] image, bool chunked)
    {
        HttpContent content = chunked ? new StreamContent(new ChunkedBodyStream(image)) : new ByteArrayContent(image);
        content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        var request = new HttpRequestMessage(HttpMethod.Put, $"/v1/photos/{id}/content") { Content = content };
        request.Headers.TransferEncodingChunked = chunked;
        return request;
    }

    private async Task<(HttpClient Client, string Id)> UserWithPhotoAsync()
    {
        var client = fixture.AsUser(ApiFixture.NewSubject("limit"));
        var id = await client.CreatePhotoAsync("limit");
        return (client, id);
    }
}
