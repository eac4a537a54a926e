using System.Net.Http.Headers;

namespace PhotoApi.Tests.Photos;

/// <summary>PhotoPrint needs the bytes: upload, download, conditional and range requests, and nothing lost on a bad upload.</summary>
[Collection(ApiCollection.Name)]
public sealed class PhotoContentTests(ApiFixture fixture)
{
    private async Task<(HttpClient Client, string PhotoId)> UserWithPhotoAsync(string name = "alice")
    {
        var client = fixture.AsUser(ApiFixture.NewSubject(name));
        return (client, await client.CreatePhotoAsync("With content"));
    }

    [Fact]
    public async Task FirstUpload_Returns201AndThePhotoShowsTypeSizeAndHash()
    {
        var (client, id) = await UserWithPhotoAsync();
        var png = Images.Png(5000);

        var response = await client.PutAsync($"/v1/photos/{id}/content", Images.Content(png, "image/png"));

        var photo = await HttpAssert.Ok<JsonElement>(response, HttpStatusCode.Created);
        Assert.Equal("image/png", photo.GetProperty("contentType").GetString());
        Assert.Equal(5000, photo.GetProperty("sizeBytes").GetInt64());
        Assert.Equal(Images.Sha256(png), photo.GetProperty("sha256").GetString());
        var fetched = await HttpAssert.Ok<JsonElement>(await client.GetAsync($"/v1/photos/{id}"));
        Assert.Equal(Images.Sha256(png), fetched.GetProperty("sha256").GetString());
    }

    [Fact]
    public async Task PhotoWithoutContent_ShowsNullsAndItsContentIs404SayingSo()
    {
        var (client, id) = await UserWithPhotoAsync();

        var photo = await HttpAssert.Ok<JsonElement>(await client.GetAsync($"/v1/photos/{id}"));
        Assert.Equal(JsonValueKind.Null, photo.GetProperty("contentType").ValueKind);
        Assert.Equal(JsonValueKind.Null, photo.GetProperty("sizeBytes").ValueKind);
        Assert.Equal(JsonValueKind.Null, photo.GetProperty("sha256").ValueKind);

        var problem = await HttpAssert.Problem(await client.GetAsync($"/v1/photos/{id}/content"), HttpStatusCode.NotFound);
        Assert.Contains("no content yet", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("image/png")]
    [InlineData("image/jpeg")]
    [InlineData("image/gif")]
    [InlineData("image/webp")]
    public async Task Download_ReturnsTheExactBytesWithCachingAndSafetyHeaders(string type)
    {
        var (client, id) = await UserWithPhotoAsync();
        var bytes = type switch
        {
            "image/png" => Images.Png(600_000),
            "image/jpeg" => Images.Jpeg(600_000),
            "image/gif" => Images.Gif(1000),
            _ => Images.Webp(1000),
        };
        await client.UploadContentAsync(id, bytes, type);

        var response = await client.GetAsync($"/v1/photos/{id}/content");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(bytes, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(type, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(bytes.Length, response.Content.Headers.ContentLength);
        Assert.Equal($"\"{Images.Sha256(bytes)}\"", response.Headers.ETag?.Tag);
        Assert.False(response.Headers.ETag!.IsWeak);
        Assert.Equal("private", response.Headers.CacheControl?.ToString());
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("bytes", response.Headers.AcceptRanges.Single());
    }

    [Fact]
    public async Task Replace_Returns200_AndTheNewBytesAreServed()
    {
        var (client, id) = await UserWithPhotoAsync();
        await client.UploadContentAsync(id, Images.Png(1000));
        var jpeg = Images.Jpeg(400_000);

        var response = await client.PutAsync($"/v1/photos/{id}/content", Images.Content(jpeg, "image/jpeg"));

        var photo = await HttpAssert.Ok<JsonElement>(response);
        Assert.Equal("image/jpeg", photo.GetProperty("contentType").GetString());
        Assert.Equal(jpeg, await client.GetByteArrayAsync($"/v1/photos/{id}/content"));
        Assert.Equal(2L, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM photo_chunks WHERE photo_id = @id", ("id", Guid.Parse(id))));
    }

    [Fact]
    public async Task IfNoneMatch_WithTheCurrentETag_Gets304WithoutBody()
    {
        var (client, id) = await UserWithPhotoAsync();
        await client.UploadContentAsync(id, Images.Png(2000));
        var etag = (await client.GetAsync($"/v1/photos/{id}/content")).Headers.ETag!;

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/photos/{id}/content");
        request.Headers.IfNoneMatch.Add(etag);
        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(etag, response.Headers.ETag);
    }

    [Theory]
    [InlineData("bytes=10-19", 10, 19)]
    [InlineData("bytes=262140-262150", 262140, 262150)] // across the boundary of two stored chunks
    [InlineData("bytes=599990-", 599990, 599999)]
    [InlineData("bytes=-7", 599993, 599999)]
    public async Task SingleRange_Gets206WithExactlyThoseBytes(string range, int first, int last)
    {
        var (client, id) = await UserWithPhotoAsync();
        var bytes = Images.Png(600_000);
        await client.UploadContentAsync(id, bytes);

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/photos/{id}/content");
        request.Headers.TryAddWithoutValidation("Range", range);
        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal(bytes[first..(last + 1)], await response.Content.ReadAsByteArrayAsync());
        Assert.Equal($"bytes {first}-{last}/600000", response.Content.Headers.ContentRange?.ToString());
    }

    [Fact]
    public async Task RangeOutsideTheImage_Gets416WithTheSize()
    {
        var (client, id) = await UserWithPhotoAsync();
        await client.UploadContentAsync(id, Images.Png(1000));

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/photos/{id}/content");
        request.Headers.Range = new RangeHeaderValue(5000, 6000);
        var response = await client.SendAsync(request);

        await HttpAssert.Problem(response, HttpStatusCode.RequestedRangeNotSatisfiable);
        Assert.Equal("bytes */1000", response.Content.Headers.ContentRange?.ToString());
    }

    [Fact]
    public async Task SeveralRanges_AreAnsweredWithTheWholeImage()
    {
        var (client, id) = await UserWithPhotoAsync();
        var bytes = Images.Png(1000);
        await client.UploadContentAsync(id, bytes);

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/photos/{id}/content");
        request.Headers.TryAddWithoutValidation("Range", "bytes=0-1,5-6");
        var response = await client.SendAsync(request);

        // RFC 9110 §14.2: a server may ignore Range; multipart/byteranges is not offered.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(bytes, await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("image/jpeg", "png")]   // a PNG declared as JPEG
    [InlineData("image/png", "html")]   // an HTML page declared as an image
    [InlineData("image/gif", "empty")]
    public async Task BodyThatIsNotTheDeclaredType_Gets415AndTheOldContentStays(string declared, string actual)
    {
        var (client, id) = await UserWithPhotoAsync();
        var original = Images.Gif(3000);
        await client.UploadContentAsync(id, original, "image/gif");
        var body = actual switch
        {
            "png" => Images.Png(3000),
            "html" => "<html><script>alert(1)</script></html>"u8.ToArray(),
            _ => [],
        };

        var response = await client.PutAsync($"/v1/photos/{id}/content", Images.Content(body, declared));

        await HttpAssert.Problem(response, HttpStatusCode.UnsupportedMediaType);
        Assert.Equal(original, await client.GetByteArrayAsync($"/v1/photos/{id}/content"));
    }

    [Theory]
    [InlineData("text/html")]
    [InlineData("application/octet-stream")]
    [InlineData("image/svg+xml")]
    public async Task ContentTypeThatIsNotAnAcceptedImage_Gets415(string contentType)
    {
        var (client, id) = await UserWithPhotoAsync();

        var problem = await HttpAssert.Problem(await client.PutAsync($"/v1/photos/{id}/content", Images.Content(Images.Png(100), contentType)), HttpStatusCode.UnsupportedMediaType);

        Assert.Contains("image/jpeg, image/png, image/gif, image/webp", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ContentOfExactlyTheLimit_IsAccepted()
    {
        var (client, id) = await UserWithPhotoAsync();

        var response = await client.PutAsync($"/v1/photos/{id}/content", Images.Content(Images.Png(ApiFixture.MaxContentBytes), "image/png"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task ContentOneByteOverTheLimit_Gets413AndTheOldContentStays()
    {
        var (client, id) = await UserWithPhotoAsync();
        var original = Images.Png(10_000);
        await client.UploadContentAsync(id, original);

        var response = await client.PutAsync($"/v1/photos/{id}/content", Images.Content(Images.Png(ApiFixture.MaxContentBytes + 1), "image/png"));

        await HttpAssert.Problem(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(original, await client.GetByteArrayAsync($"/v1/photos/{id}/content"));
    }

    [Fact]
    public async Task OversizedContentWithoutContentLength_Gets413WhileStreaming()
    {
        var (client, id) = await UserWithPhotoAsync();
        var original = Images.Png(10_000);
        await client.UploadContentAsync(id, original);
        var content = new StreamContent(new ChunkedBodyStream(Images.Png(ApiFixture.MaxContentBytes + 300_000)));
        content.Headers.ContentType = new MediaTypeHeaderValue("image/png");

        using var request = new HttpRequestMessage(HttpMethod.Put, $"/v1/photos/{id}/content") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(original, await client.GetByteArrayAsync($"/v1/photos/{id}/content"));
    }

    [Fact]
    public async Task UploadAbortedHalfway_LeavesThePreviousContentIntact()
    {
        var (client, id) = await UserWithPhotoAsync();
        var original = Images.Jpeg(300_000);
        await client.UploadContentAsync(id, original, "image/jpeg");
        var content = new StreamContent(new ChunkedBodyStream(Images.Png(900_000), failAfter: 600_000));
        content.Headers.ContentType = new MediaTypeHeaderValue("image/png");

        using var request = new HttpRequestMessage(HttpMethod.Put, $"/v1/photos/{id}/content") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        await Assert.ThrowsAnyAsync<Exception>(() => client.SendAsync(request));

        // The server notices the broken upload and discards what it staged; the old bytes are still what is served.
        await WaitUntilAsync(async () => await fixture.Database.ScalarAsync<long>(
            "SELECT count(*) FROM content_uploads WHERE photo_id = @id", ("id", Guid.Parse(id))) == 0);
        Assert.Equal(original, await client.GetByteArrayAsync($"/v1/photos/{id}/content"));
        var photo = await HttpAssert.Ok<JsonElement>(await client.GetAsync($"/v1/photos/{id}"));
        Assert.Equal(Images.Sha256(original), photo.GetProperty("sha256").GetString());
        Assert.Equal(300_000, photo.GetProperty("sizeBytes").GetInt64());
    }

    [Fact]
    public async Task AnotherUsersContent_Is404ForReadingAndWriting()
    {
        var (alice, id) = await UserWithPhotoAsync("alice");
        var original = Images.Png(1000);
        await alice.UploadContentAsync(id, original);
        var bob = fixture.AsUser(ApiFixture.NewSubject("bob"));

        await HttpAssert.Problem(await bob.GetAsync($"/v1/photos/{id}/content"), HttpStatusCode.NotFound);
        await HttpAssert.Problem(await bob.PutAsync($"/v1/photos/{id}/content", Images.Content(Images.Png(2000, seed: 9), "image/png")), HttpStatusCode.NotFound);

        Assert.Equal(original, await alice.GetByteArrayAsync($"/v1/photos/{id}/content"));
    }

    [Fact]
    public async Task DeletingAPhoto_DeletesItsContent()
    {
        var (client, id) = await UserWithPhotoAsync();
        await client.UploadContentAsync(id, Images.Png(300_000));

        await client.DeleteAsync($"/v1/photos/{id}");

        Assert.Equal(0L, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM photo_chunks WHERE photo_id = @id", ("id", Guid.Parse(id))));
    }

    [Fact]
    public async Task ManyConditionalAndRangeRequests_DoNotLeakDatabaseConnections()
    {
        var (client, id) = await UserWithPhotoAsync();
        await client.UploadContentAsync(id, Images.Png(1000));
        var etag = (await client.GetAsync($"/v1/photos/{id}/content")).Headers.ETag!;

        for (var i = 0; i < 150; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/photos/{id}/content");
            if (i % 2 == 0)
            {
                request.Headers.IfNoneMatch.Add(etag);
            }
            else
            {
                request.Headers.Range = new RangeHeaderValue(5000, 6000);
            }
            (await client.SendAsync(request)).Dispose();
        }

        // Npgsql's default pool is 100 connections: a leak per request would have exhausted it and failed this call.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/v1/photos/{id}/content")).StatusCode);
        Assert.True(await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()") < 50);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 100 && !await condition(); i++)
        {
            await Task.Delay(50);
        }
    }
}

/// <summary>A body with no known length (sent chunked), optionally failing after some bytes like a dropped connection.</summary>
public sealed class ChunkedBodyStream(byte[] bytes, int failAfter = int.MaxValue) : Stream
{
    private int _position;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count)
    {
        if (_position >= failAfter)
        {
            throw new IOException("The client lost its connection.");
        }
        var n = Math.Min(Math.Min(count, 16 * 1024), bytes.Length - _position);
        Array.Copy(bytes, _position, buffer, offset, n);
        _position += n;
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
