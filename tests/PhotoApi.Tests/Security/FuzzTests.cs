using System.Text;

namespace PhotoApi.Tests.Security;

/// <summary>
/// Hostile input in every parameter of every endpoint: route ids, query parameters, JSON fields, headers, raw bytes.
/// Whatever comes in, the answer is never a 5xx, and another user's data does not move.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class FuzzTests(ApiFixture fixture)
{
    /// <summary>The hostile strings: SQL, path and script injection, Unicode edge cases, huge and odd numbers, NUL, CRLF.</summary>
    public static readonly string[] Hostile =
    [
        "' OR '1'='1", "'; DROP TABLE photos; --", "1; SELECT pg_sleep(10)", "\" OR \"\"=\"", "$1", "%s%s%s%n",
        "../../../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "<script>alert(1)</script>", "${jndi:ldap://127.0.0.1:9/x}", "{{7*7}}",
        "\0", "a\0b", "\r\nX-Injected: 1", "\u202Egnp.exe", "\uFEFF", "\u200B\u200D", "e\u0301\u0301\u0301", "İı", "𝕏🙂👩‍👩‍👧",
        new string('A', 5000), string.Concat(Enumerable.Repeat("😀", 3000)), "-1", "0", "1e309", "NaN", "Infinity", "99999999999999999999999999999",
        "-9223372036854775809", "0x7fffffff", "null", "true", "[]", "{}", "%", "%ZZ", "%00", "2024-13-45T99:99:99Z",
        "9999-12-31T23:59:59+14:00", "0001-01-01T00:00:00-14:00", "00000000-0000-0000-0000-000000000000",
        "\ud800", "\udfff\ud800",
    ];

    /// <summary>JSON values of every type and shape, for the fields of request bodies.</summary>
    public static readonly string[] HostileJsonValues =
    [
        "null", "true", "0", "-1", "1e308", "-1e308", "123456789012345678901234567890", "[]", "{}", "[[[[[[[[]]]]]]]]",
        "{\"$ne\":null}", "\"\\u0000\"", "\"\\ud800\"", "\"\\u202e\"", $"\"{new string('x', 3000)}\"",
    ];

    [Fact]
    public async Task HostileRouteIdsAndQueryParameters_NeverCause5xx()
    {
        var (alice, before) = await AliceWithDataAsync();
        var mallory = fixture.AsUser(ApiFixture.NewSubject("mallory"), "photos.read photos.write photos.admin");
        var routes = EndpointMatrix.Routes(fixture.Api.Services).Where(r => !r.Anonymous).ToList();
        var calls = 0;

        foreach (var route in routes)
        {
            foreach (var value in Hostile)
            {
                // Every parameter of the route, then the paging parameters every list takes.
                var path = route.Path(_ => value);
                await ExpectNo5xxAsync(mallory, route.Method, path, EndpointMatrix.ValidBody(route));
                calls++;
                if (route.Method == "GET" && route.Parameters.Count == 0 && !route.Pattern.EndsWith("usage", StringComparison.Ordinal))
                {
                    await ExpectNo5xxAsync(mallory, "GET", $"{route.Pattern}?pageSize={Uri.EscapeDataString(value)}", null);
                    await ExpectNo5xxAsync(mallory, "GET", $"{route.Pattern}?pageToken={Uri.EscapeDataString(value)}", null);
                    calls += 2;
                }
            }
        }

        Assert.True(calls > 500, $"only {calls} calls");
        Assert.Equal(before, await SnapshotAsync(alice));
    }

    [Fact]
    public async Task HostileJsonFields_AreAnswered2xxOr4xx_NeverWithA5xx()
    {
        var (alice, before) = await AliceWithDataAsync();
        var mallory = fixture.AsUser(ApiFixture.NewSubject("mallory"));
        var photo = await mallory.CreatePhotoAsync("mine");
        var album = await mallory.CreateAlbumAsync("mine");
        var targets = new (string Method, string Path, string[] Fields)[]
        {
            ("POST", "/v1/photos", ["title", "description", "takenAt"]),
            ("PATCH", $"/v1/photos/{photo}", ["title", "description", "takenAt"]),
            ("POST", "/v1/albums", ["title", "description"]),
            ("PATCH", $"/v1/albums/{album}", ["title", "description"]),
        };

        foreach (var (method, path, fields) in targets)
        {
            foreach (var field in fields)
            {
                var values = Hostile.Select(h => JsonSerializer.Serialize(h)).Concat(HostileJsonValues);
                foreach (var json in values)
                {
                    var body = $"{{\"title\":\"ok\",\"{field}\":{json}}}";
                    await ExpectNo5xxAsync(mallory, method, path, new StringContent(body, Encoding.UTF8, "application/json"));
                }
            }
            // Bodies that are not JSON objects at all, or not UTF-8.
            foreach (var raw in new[] { "", "{", "}", "[", "\"text\"", "{\"title\":}", "{'title':'single quotes'}", "{\"title\":\"a\"}{\"title\":\"b\"}" })
            {
                await ExpectNo5xxAsync(mallory, method, path, new StringContent(raw, Encoding.UTF8, "application/json"));
            }
            var invalidUtf8 = new ByteArrayContent([0x7B, 0x22, 0x74, 0x69, 0x74, 0x6C, 0x65, 0x22, 0x3A, 0x22, 0xC3, 0x28, 0xFF, 0xFE, 0x22, 0x7D]);
            invalidUtf8.Headers.ContentType = new("application/json");
            await ExpectNo5xxAsync(mallory, method, path, invalidUtf8);
        }

        Assert.Equal(before, await SnapshotAsync(alice));
    }

    [Fact]
    public async Task HostileHeaders_NeverCause5xx()
    {
        var (alice, before) = await AliceWithDataAsync();
        var mallory = fixture.AsUser(ApiFixture.NewSubject("mallory"));
        var photo = await mallory.CreatePhotoAsync("mine");
        await mallory.UploadContentAsync(photo, Images.Png(4000));
        var headerValues = Hostile.Where(h => !h.Contains('\r') && !h.Contains('\n') && !h.Contains('\0') && h.All(c => c < 128))
            .Concat(["bytes=0-0,-1", "bytes=5-1", "bytes=-0", "bytes=99999999999999999999-", "bytes=0-", "items=0-5", "W/\"1\"", "\"1\", W/\"2\"", "*, \"3\"", "image/png; charset=\"x", "image/png;;;"]);

        foreach (var value in headerValues)
        {
            foreach (var (method, path, header, content) in new (string, string, string, Func<HttpContent?>)[]
            {
                ("GET", $"/v1/photos/{photo}/content", "Range", () => null),
                ("GET", $"/v1/photos/{photo}/content", "If-None-Match", () => null),
                ("GET", $"/v1/photos/{photo}/content", "If-Range", () => null),
                ("PATCH", $"/v1/photos/{photo}", "If-Match", () => JsonContent.Create(new { title = "t" })),
                ("DELETE", $"/v1/photos/{Guid.NewGuid()}", "If-Match", () => null),
            })
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = content() };
                request.Headers.TryAddWithoutValidation(header, value);
                var response = await mallory.SendAsync(request);
                Assert.True((int)response.StatusCode < 500, $"{method} {path} with {header}: {value} answered {(int)response.StatusCode}");
            }
            var upload = new ByteArrayContent(Images.Png(100));
            upload.Headers.TryAddWithoutValidation("Content-Type", value);
            await ExpectNo5xxAsync(mallory, "PUT", $"/v1/photos/{photo}/content", upload);
        }

        Assert.Equal(before, await SnapshotAsync(alice));
    }

    [Fact]
    public async Task RawBytesThatAreNotUtf8_InPathQueryAndHeaders_NeverCause5xx()
    {
        var token = fixture.Issuer.Token(ApiFixture.NewSubject("mallory"));
        var requests = new[]
        {
            ("/v1/photos/\xC3\x28", new List<string> { $"Authorization: Bearer {token}" }),
            ("/v1/photos?pageToken=\xFF\xFE", new List<string> { $"Authorization: Bearer {token}" }),
            ("/v1/photos", new List<string> { $"Authorization: Bearer {token}", "If-Match: \"\xFF\"" }),
            ("/v1/photos", new List<string> { "Authorization: Bearer \xC3\x28\xFF" }),
            ("/v1/photos/%C3%28", new List<string> { $"Authorization: Bearer {token}" }),
        };

        foreach (var (path, headers) in requests)
        {
            var response = await RawHttp.SendAsync(fixture.Api.BaseAddress, "GET", path, headers);
            Assert.True(response.Status is >= 400 and < 500 or 200, $"{path} answered {response.Status}");
        }
    }

    private static async Task ExpectNo5xxAsync(HttpClient client, string method, string path, HttpContent? content)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = content };
        using var response = await client.SendAsync(request);
        Assert.True((int)response.StatusCode < 500, $"{method} {path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    private async Task<(string Subject, string Snapshot)> AliceWithDataAsync()
    {
        var subject = ApiFixture.NewSubject("alice");
        var alice = fixture.AsUser(subject);
        var photo = await alice.CreatePhotoAsync("Alice's");
        await alice.UploadContentAsync(photo, Images.Jpeg(3000), "image/jpeg");
        var album = await alice.CreateAlbumAsync("Alice's");
        await alice.PutAsync($"/v1/albums/{album}/photos/{photo}", null);
        return (subject, await SnapshotAsync(subject));
    }

    private Task<string> SnapshotAsync(string subject) => fixture.Database.ScalarAsync<string>("""
        SELECT concat_ws(' | ',
          (SELECT string_agg(concat_ws(',', p.id, p.title, p.version, p.sha256), ';' ORDER BY p.id) FROM photos p JOIN users u ON u.id = p.user_id WHERE u.subject = @s),
          (SELECT string_agg(concat_ws(',', a.id, a.title, a.description, a.updated_at), ';' ORDER BY a.id) FROM albums a JOIN users u ON u.id = a.user_id WHERE u.subject = @s),
          (SELECT count(*)::text FROM album_photos m JOIN users u ON u.id = m.user_id WHERE u.subject = @s))
        """, ("s", subject));

    private Task<string> SnapshotAsync((string Subject, string Snapshot) alice) => SnapshotAsync(alice.Subject);
}
