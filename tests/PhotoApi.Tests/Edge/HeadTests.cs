using PhotoApi.Tests.Security;

namespace PhotoApi.Tests.Edge;

/// <summary>RFC 9110 §9.1 and §9.3.2: HEAD wherever GET, with the GET's status and headers, no body, the same authorization.</summary>
[Collection(ApiCollection.Name)]
public sealed class HeadTests(ApiFixture fixture)
{
    private static readonly string[] ComparedHeaders =
        ["Content-Type", "Content-Length", "ETag", "Cache-Control", "Accept-Ranges", "Content-Range", "WWW-Authenticate", "Retry-After", "X-Content-Type-Options"];

    [Fact]
    public async Task HeadOnEveryGetRoute_AnswersLikeTheGet_WithoutABody()
    {
        var (client, photo, album) = await UserWithDataAsync();
        var routes = EndpointMatrix.Routes(fixture.Api.Services).Where(r => r.Method == "GET").ToList();

        foreach (var route in routes)
        {
            foreach (var path in new[] { route.Path(p => p == "photoId" || EndpointMatrix.KindOf(route, p) == "photo" ? photo : album), route.Path(_ => Guid.NewGuid().ToString()) })
            {
                await AssertHeadMirrorsGetAsync(client, path);
            }
        }
        Assert.True(routes.Count >= 8, $"only {routes.Count} GET routes");
    }

    [Theory]
    [InlineData("bytes=0-99", null)]
    [InlineData(null, "etag")]
    [InlineData(null, null)]
    public async Task HeadOnContent_GivesTheGetsStatusLengthAndRangeHeaders(string? range, string? ifNoneMatch)
    {
        var (client, photo, _) = await UserWithDataAsync();
        var etag = (await client.GetAsync($"/v1/photos/{photo}/content")).Headers.ETag!.Tag;

        await AssertHeadMirrorsGetAsync(client, $"/v1/photos/{photo}/content", request =>
        {
            if (range is not null)
            {
                request.Headers.TryAddWithoutValidation("Range", range);
            }
            if (ifNoneMatch is not null)
            {
                request.Headers.TryAddWithoutValidation("If-None-Match", etag);
            }
        });
    }

    [Fact]
    public async Task HeadIsAuthorizedLikeGet_NoTokenIs401_WrongScopeIs403()
    {
        var (_, photo, _) = await UserWithDataAsync();

        await AssertHeadMirrorsGetAsync(fixture.Api.Anonymous(), $"/v1/photos/{photo}", expected: HttpStatusCode.Unauthorized);
        await AssertHeadMirrorsGetAsync(fixture.AsUser(ApiFixture.NewSubject("writer"), "photos.write"), "/v1/photos", expected: HttpStatusCode.Forbidden);
        await AssertHeadMirrorsGetAsync(fixture.Api.WithToken("not.a.token"), "/v1/photos", expected: HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("/.well-known/oauth-protected-resource")]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    public async Task HeadOnAnonymousDocuments_Is200LikeGet(string path) =>
        await AssertHeadMirrorsGetAsync(fixture.Api.Anonymous(), path, expected: HttpStatusCode.OK);

    [Fact]
    public async Task HeadOnTheWire_SendsHeadersAndNotOneByteOfBody()
    {
        var (_, photo, _, subject) = await UserWithSubjectAsync();
        var token = fixture.Issuer.Token(subject);

        var get = await RawHttp.SendAsync(fixture.Api.BaseAddress, "GET", $"/v1/photos/{photo}/content", [$"Authorization: Bearer {token}"]);
        var head = await RawHttp.SendAsync(fixture.Api.BaseAddress, "HEAD", $"/v1/photos/{photo}/content", [$"Authorization: Bearer {token}"]);

        Assert.Equal(200, head.Status);
        Assert.Equal(get.Status, head.Status);
        Assert.Contains("Content-Length: 5000", head.Headers, StringComparison.Ordinal);
        Assert.Contains("Content-Length: 5000", get.Headers, StringComparison.Ordinal);
        Assert.NotEmpty(get.Body);
        Assert.Equal("", head.Body);
    }

    private static async Task AssertHeadMirrorsGetAsync(HttpClient client, string path, Action<HttpRequestMessage>? prepare = null, HttpStatusCode? expected = null)
    {
        using var getRequest = new HttpRequestMessage(HttpMethod.Get, path);
        using var headRequest = new HttpRequestMessage(HttpMethod.Head, path);
        prepare?.Invoke(getRequest);
        prepare?.Invoke(headRequest);

        using var get = await client.SendAsync(getRequest);
        using var head = await client.SendAsync(headRequest);

        Assert.True(get.StatusCode == head.StatusCode, $"HEAD {path}: {(int)head.StatusCode}, GET: {(int)get.StatusCode}");
        Assert.NotEqual(HttpStatusCode.MethodNotAllowed, head.StatusCode);
        if (expected is not null)
        {
            Assert.Equal(expected, head.StatusCode);
        }
        foreach (var name in ComparedHeaders)
        {
            var getValue = Header(get, name);
            // RFC 9110 §9.3.2: a header computed only while generating the body (a streamed JSON body's length, Kestrel's
            // Content-Length: 0 for an empty one) may be left out.
            if (getValue is null || (name == "Content-Length" && (get.Headers.TransferEncodingChunked == true || getValue == "0")))
            {
                continue;
            }
            Assert.True(getValue == Header(head, name), $"HEAD {path}: {name} is '{Header(head, name)}', GET's is '{getValue}'");
        }
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values) ? string.Join(", ", values) : null;

    private async Task<(HttpClient Client, string Photo, string Album)> UserWithDataAsync()
    {
        var (client, photo, album, _) = await UserWithSubjectAsync();
        return (client, photo, album);
    }

    private async Task<(HttpClient Client, string Photo, string Album, string Subject)> UserWithSubjectAsync()
    {
        var subject = ApiFixture.NewSubject("head");
        var client = fixture.AsUser(subject);
        var photo = await client.CreatePhotoAsync("head");
        await client.UploadContentAsync(photo, Images.Png(5000));
        var album = await client.CreateAlbumAsync("head");
        await client.PutAsync($"/v1/albums/{album}/photos/{photo}", null);
        return (client, photo, album, subject);
    }
}
