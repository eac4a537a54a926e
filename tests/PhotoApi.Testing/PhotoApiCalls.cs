namespace PhotoApi.Testing;

/// <summary>
/// API calls that arrange a story ("Alice has a photo"): each asserts the API accepted it and returns what the next step needs.
/// Where the request itself is under test, tests send it raw.
/// </summary>
public static class PhotoApiCalls
{
    /// <summary>POST /v1/photos; returns the new photo's id.</summary>
    public static async Task<string> CreatePhotoAsync(this HttpClient client, string title = "photo", string? description = null, string? takenAt = null) =>
        (await CreatedAsync(client, "/v1/photos", Body(title, description, takenAt))).GetProperty("id").GetString()!;

    /// <summary>POST /v1/albums; returns the new album's id.</summary>
    public static async Task<string> CreateAlbumAsync(this HttpClient client, string title = "album", string? description = null) =>
        (await CreatedAsync(client, "/v1/albums", Body(title, description, takenAt: null))).GetProperty("id").GetString()!;

    /// <summary>PUT /v1/photos/{id}/content with <paramref name="bytes"/> as <paramref name="contentType"/> (201 the first time, 200 after).</summary>
    public static async Task UploadContentAsync(this HttpClient client, string photoId, byte[] bytes, string contentType = "image/png")
    {
        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        using var response = await client.PutAsync($"/v1/photos/{photoId}/content", content);
        Assert.True(response.IsSuccessStatusCode, $"Uploading content answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    private static Dictionary<string, string> Body(string title, string? description, string? takenAt)
    {
        var body = new Dictionary<string, string> { ["title"] = title };
        if (description is not null)
        {
            body["description"] = description;
        }
        if (takenAt is not null)
        {
            body["takenAt"] = takenAt;
        }
        return body;
    }

    private static async Task<JsonElement> CreatedAsync(HttpClient client, string path, Dictionary<string, string> body)
    {
        using var response = await client.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"POST {path} answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
