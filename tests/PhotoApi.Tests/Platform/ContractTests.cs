using System.Net.Http.Headers;
using static PhotoApi.Tests.Infrastructure.OpenApiContract;

namespace PhotoApi.Tests.Platform;

/// <summary>
/// PhotoPrint's developers generate their client from openapi.yaml. Every operation, called for real, answers with a status
/// the document lists, a media type it lists, a body that validates against its schema and the headers it promises.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ContractTests(ApiFixture fixture)
{
    [Fact]
    public async Task EveryOperation_AnswersAsTheDocumentSays()
    {
        var contract = await LoadAsync(RepositoryRoot.File("openapi.yaml"));
        var user = fixture.AsUser(ApiFixture.NewSubject("contract"));
        var readOnly = fixture.AsUser(ApiFixture.NewSubject("contract-reader"), "photos.read");
        var anonymous = fixture.Api.Anonymous();
        var admin = fixture.AsApp("contract-ops", "photos.admin");
        async Task<JsonElement> Json(HttpResponseMessage r) => JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement.Clone();

        await contract.CheckAsync("GetProtectedResourceMetadata", await anonymous.GetAsync("/.well-known/oauth-protected-resource"));
        await contract.CheckAsync("GetMe", await user.GetAsync("/v1/me"));
        await contract.CheckAsync("GetMe", await anonymous.GetAsync("/v1/me"));
        await contract.CheckAsync("GetUsage", await admin.GetAsync("/v1/admin/usage"));
        await contract.CheckAsync("GetUsage", await user.GetAsync("/v1/admin/usage"));

        // Photos: create, read, list in pages, change conditionally, refuse what the schema refuses.
        var created = await contract.CheckAsync("CreatePhoto", await user.PostAsync("/v1/photos", OpenApiContract.Json(new { title = "Harbour", description = "At dawn", takenAt = "2024-06-01T05:30:00Z" })));
        var photo = await Json(created);
        var id = photo.GetProperty("id").GetString()!;
        await contract.CheckAsync("CreatePhoto", await user.PostAsync("/v1/photos", OpenApiContract.Json(new { title = "Second" })));
        await contract.CheckAsync("CreatePhoto", await user.PostAsync("/v1/photos", OpenApiContract.Json(new { description = "no title" })));
        await contract.CheckAsync("CreatePhoto", await user.PostAsync("/v1/photos", new StringContent("title=x", null, "text/plain")));
        await contract.CheckAsync("CreatePhoto", await readOnly.PostAsync("/v1/photos", OpenApiContract.Json(new { title = "No scope" })));
        await contract.CheckAsync("GetPhoto", await user.GetAsync($"/v1/photos/{id}"));
        await contract.CheckAsync("GetPhoto", await user.GetAsync($"/v1/photos/{Guid.NewGuid()}"));
        var first = await Json(await contract.CheckAsync("ListPhotos", await user.GetAsync("/v1/photos?pageSize=1")));
        await contract.CheckAsync("ListPhotos", await user.GetAsync($"/v1/photos?pageSize=1&pageToken={Uri.EscapeDataString(first.GetProperty("nextPageToken").GetString()!)}"));
        await contract.CheckAsync("ListPhotos", await user.GetAsync("/v1/photos?pageSize=0"));

        var etag = created.Headers.ETag!.Tag;
        await contract.CheckAsync("UpdatePhoto", await Send(user, HttpMethod.Patch, $"/v1/photos/{id}", OpenApiContract.Json(new { title = "Harbour, cropped" }, "application/merge-patch+json"), ifMatch: etag));
        await contract.CheckAsync("UpdatePhoto", await Send(user, HttpMethod.Patch, $"/v1/photos/{id}", OpenApiContract.Json(new { description = (string?)null }), ifMatch: etag));
        await contract.CheckAsync("UpdatePhoto", await Send(user, HttpMethod.Patch, $"/v1/photos/{id}", OpenApiContract.Json(new { title = (string?)null })));

        // Content: upload, replace, download whole, ranged, conditional, out of range.
        var png = Images.Png(4000);
        await contract.CheckAsync("PutPhotoContent", await user.PutAsync($"/v1/photos/{id}/content", Images.Content(png, "image/png")));
        await contract.CheckAsync("PutPhotoContent", await user.PutAsync($"/v1/photos/{id}/content", Images.Content(png, "image/png")));
        await contract.CheckAsync("PutPhotoContent", await user.PutAsync($"/v1/photos/{id}/content", Images.Content(png, "image/jpeg")));
        var download = await contract.CheckAsync("GetPhotoContent", await user.GetAsync($"/v1/photos/{id}/content"));
        await contract.CheckAsync("GetPhotoContent", await Send(user, HttpMethod.Get, $"/v1/photos/{id}/content", range: "bytes=0-99"));
        await contract.CheckAsync("GetPhotoContent", await Send(user, HttpMethod.Get, $"/v1/photos/{id}/content", ifNoneMatch: download.Headers.ETag!.Tag));
        await contract.CheckAsync("GetPhotoContent", await Send(user, HttpMethod.Get, $"/v1/photos/{id}/content", range: "bytes=99999-"));

        // Albums: the whole life of one.
        var album = await Json(await contract.CheckAsync("CreateAlbum", await user.PostAsync("/v1/albums", OpenApiContract.Json(new { title = "Coast" }))));
        var albumId = album.GetProperty("id").GetString()!;
        await contract.CheckAsync("CreateAlbum", await user.PostAsync("/v1/albums", OpenApiContract.Json(new { title = "", extra = 1 })));
        await contract.CheckAsync("ListAlbums", await user.GetAsync("/v1/albums"));
        await contract.CheckAsync("AddPhotoToAlbum", await user.PutAsync($"/v1/albums/{albumId}/photos/{id}", null));
        await contract.CheckAsync("AddPhotoToAlbum", await user.PutAsync($"/v1/albums/{albumId}/photos/{Guid.NewGuid()}", null));
        await contract.CheckAsync("GetAlbum", await user.GetAsync($"/v1/albums/{albumId}"));
        await contract.CheckAsync("ListAlbumPhotos", await user.GetAsync($"/v1/albums/{albumId}/photos"));
        await contract.CheckAsync("UpdateAlbum", await Send(user, HttpMethod.Patch, $"/v1/albums/{albumId}", OpenApiContract.Json(new { description = "Summer" })));
        await contract.CheckAsync("RemovePhotoFromAlbum", await user.DeleteAsync($"/v1/albums/{albumId}/photos/{id}"));
        await contract.CheckAsync("DeleteAlbum", await user.DeleteAsync($"/v1/albums/{albumId}"));
        await contract.CheckAsync("GetAlbum", await user.GetAsync($"/v1/albums/{albumId}"));

        await contract.CheckAsync("DeletePhoto", await Send(user, HttpMethod.Delete, $"/v1/photos/{id}", ifMatch: "\"0\""));
        await contract.CheckAsync("DeletePhoto", await user.DeleteAsync($"/v1/photos/{id}"));
        await contract.CheckAsync("GetPhotoContent", await user.GetAsync($"/v1/photos/{id}/content"));

        Assert.True(contract.Failures.Count == 0, "Answers the document does not describe:\n" + string.Join("\n", contract.Failures));
        var succeeded = contract.Seen.Where(s => s.Status is >= 200 and < 300).Select(s => s.OperationId).ToHashSet();
        Assert.Empty(contract.OperationIds.Except(succeeded));
        // The answers a generated client most needs to handle, each seen at least once.
        Assert.Subset(contract.Seen.Select(s => s.Status).ToHashSet(), new HashSet<int> { 200, 201, 204, 206, 304, 400, 401, 403, 404, 412, 415, 416 });
    }

    private static Task<HttpResponseMessage> Send(HttpClient client, HttpMethod method, string path, HttpContent? body = null,
        string? ifMatch = null, string? ifNoneMatch = null, string? range = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = body };
        if (ifMatch is not null)
        {
            request.Headers.IfMatch.Add(EntityTagHeaderValue.Parse(ifMatch));
        }
        if (ifNoneMatch is not null)
        {
            request.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Parse(ifNoneMatch));
        }
        if (range is not null)
        {
            request.Headers.Range = RangeHeaderValue.Parse(range);
        }
        return client.SendAsync(request);
    }
}
