using Xunit.Abstractions;

namespace PhotoApi.Tests.Edge;

/// <summary>
/// Every request shape a hostile client can put on a socket (RFC 9110 / RFC 9112): request lines, targets, methods,
/// versions, Host headers, header syntax, body framing, content types, bodies where none belongs. Whatever arrives, the
/// answer is never a 5xx, nothing alarming is logged (no stack trace), and the process keeps serving.
/// </summary>
public sealed class RequestShapeFuzzTests(EdgeApi edge, ITestOutputHelper output) : IClassFixture<EdgeApi>
{
    [Fact]
    public async Task EveryRequestShape_GetsA4xxOrSuccess_NeverA5xx_NothingAlarmingIsLogged_AndTheApiStaysUp()
    {
        var requests = Requests(edge.HostHeader, edge.Token, edge.PhotoId).ToList();
        var failures = new List<string>();

        foreach (var (request, endsEarly) in requests)
        {
            // A shape whose body is cut short is sent with the sending side closed (else Kestrel waits for the rest); the
            // client is then gone, and Kestrel may not answer (0). Every other shape must get an answer.
            var response = await RawHttp.SendTextAsync(edge.BaseAddress, request, endOfInput: endsEarly);
            if (response.Status == 0 && !endsEarly)
            {
                failures.Add($"no answer for {Shorten(request)}");
            }
            // 505 is RFC 9110 §15.6.6's answer to a version other than HTTP/1.x (HTTP-name is case-sensitive, RFC 9112 §2.3).
            var unsupportedVersion = response.Status == 505 && !request.Split("\r\n", 2)[0].EndsWith(" HTTP/1.1", StringComparison.Ordinal) && !request.Split("\r\n", 2)[0].EndsWith(" HTTP/1.0", StringComparison.Ordinal);
            if ((response.Status >= 500 && !unsupportedVersion) || response.Status is > 0 and < 200)
            {
                failures.Add($"{response.Status} for {Shorten(request)}");
            }
        }

        Assert.True(requests.Count > 150, $"only {requests.Count} shapes");
        Assert.Empty(failures);
        Assert.Empty(edge.Alarming().Select(e => $"{e.Level} {e.Category}: {e.Message} {e.Exception?.GetType().Name}"));
        Assert.Equal(HttpStatusCode.OK, (await edge.Own.Api.Anonymous().GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await edge.Own.Api.WithToken(edge.Token).GetAsync($"/v1/photos/{edge.PhotoId}/content")).StatusCode);
        output.WriteLine($"{requests.Count} request shapes, none answered 5xx (RFC 9110 §15.6.6 505 for unsupported versions aside)");
    }

    [Theory]
    [InlineData("POST", "/v1/photos", "application/json")]
    [InlineData("PATCH", "/v1/photos/{photo}", "application/json")]
    [InlineData("PUT", "/v1/photos/{photo}/content", "image/png")]
    [InlineData("POST", "/v1/albums", "application/json")]
    public async Task BrokenChunkedFraming_WhileWeReadTheBody_IsA400Problem_NotA500(string method, string path, string contentType)
    {
        var target = path.Replace("{photo}", edge.PhotoId, StringComparison.Ordinal);
        var head = $"{method} {target} HTTP/1.1\r\nHost: {edge.HostHeader}\r\nAuthorization: Bearer {edge.Token}\r\nContent-Type: {contentType}\r\n"
            + "If-Match: *\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
        var start = contentType == "image/png" ? "8\r\n\x89PNG\r\n\x1a\n\r\n" : "2\r\n{\"\r\n";

        // The sending side stays open: a client that half-closes is one Kestrel stops answering.
        var response = await RawHttp.SendTextAsync(edge.BaseAddress, head + start + "fffffffffffffffff1\r\nabc\r\n", endOfInput: false);

        Assert.Equal(400, response.Status);
        Assert.Contains("application/problem+json", response.Headers, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("fffffffffffffffff1", response.Body, StringComparison.Ordinal);
        Assert.Empty(edge.Alarming().Select(e => $"{e.Level} {e.Category}: {e.Message}"));
    }

    [Fact]
    public async Task Expect100Continue_WithABadToken_IsRefusedBeforeTheBodyIsSent()
    {
        var head = $"PUT /v1/photos/{edge.PhotoId}/content HTTP/1.1\r\nHost: {edge.HostHeader}\r\nAuthorization: Bearer not-a-token\r\n"
            + "Content-Type: image/png\r\nContent-Length: 500000\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n";

        // Only the head is sent; the body would follow a 100 Continue, which must never come.
        var response = await RawHttp.SendTextAsync(edge.BaseAddress, head, endOfInput: false);

        Assert.Equal(401, response.Status);
        Assert.Contains("invalid_token", response.Headers, StringComparison.Ordinal);
        Assert.DoesNotContain("100 Continue", response.Headers + response.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ParameterBindingFailures_AnswerAFixedText_ThatDoesNotEchoTheInput()
    {
        var client = edge.Own.Api.WithToken(edge.Token);

        var response = await client.GetAsync("/v1/photos?pageSize=EchoMe%3Cscript%3E");

        var problem = await HttpAssert.Problem(response, HttpStatusCode.BadRequest);
        Assert.Equal("The pageSize parameter is malformed.", problem.GetProperty("detail").GetString());
        Assert.DoesNotContain("EchoMe", problem.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("script", problem.ToString(), StringComparison.Ordinal);
    }

    private static string Shorten(string request) => (request.Length > 200 ? request[..200] + "…" : request).Replace("\r\n", "\\r\\n", StringComparison.Ordinal);

    /// <summary>The shapes: each a complete request as it goes on the wire.</summary>
    public static IEnumerable<(string Request, bool EndsEarly)> Requests(string host, string token, string photo) =>
        Shapes(host, token, photo).Select(shape => shape.StartsWith(EndsEarly, StringComparison.Ordinal) ? (shape[EndsEarly.Length..], true) : (shape, false));

    // Marks a shape whose body is cut short or never ends.
    private const string EndsEarly = "\u0000ends-early\u0000";

    private static IEnumerable<string> Shapes(string host, string token, string photo)
    {
        var auth = $"Authorization: Bearer {token}\r\n";
        string Get(string target, string version = "HTTP/1.1", string headers = "") =>
            $"GET {target} {version}\r\nHost: {host}\r\n{auth}{headers}Connection: close\r\n\r\n";

        // Host: missing (HTTP/1.0 and 1.1), empty, duplicate, malformed (RFC 9112 §3.2).
        yield return "GET /v1/photos HTTP/1.0\r\n\r\n";
        yield return $"GET /v1/photos HTTP/1.0\r\n{auth}\r\n";
        yield return "GET /.well-known/oauth-protected-resource HTTP/1.0\r\n\r\n";
        yield return "GET /v1/photos HTTP/1.1\r\nHost:\r\nConnection: close\r\n\r\n";
        yield return $"GET /v1/photos HTTP/1.1\r\nHost:\r\n{auth}Connection: close\r\n\r\n";
        yield return "GET /v1/photos HTTP/1.1\r\nHost: \r\nAuthorization: Bearer x.y.z\r\nConnection: close\r\n\r\n";
        yield return $"GET /v1/photos HTTP/1.1\r\n{auth}Connection: close\r\n\r\n";
        yield return $"GET /v1/photos HTTP/1.1\r\nHost: {host}\r\nHost: evil.example\r\nConnection: close\r\n\r\n";
        foreach (var bad in new[] { "evil.example", "a b", "[::1", "[zz]:80", "127.0.0.1:99999", "x:1:2", "%00", "\x01", "h\xFCst.example", new string('h', 2000), "@", "user@host", "host/path", "host?q", "[::1]:80", ":80", "." })
        {
            yield return $"GET /v1/photos HTTP/1.1\r\nHost: {bad}\r\nConnection: close\r\n\r\n";
            yield return $"GET /.well-known/oauth-protected-resource HTTP/1.1\r\nHost: {bad}\r\nConnection: close\r\n\r\n";
        }

        // Absolute-form, authority-form, asterisk-form targets (RFC 9112 §3.2.2-3.2.4).
        yield return Get($"http://{host}/v1/photos");
        yield return Get("http://evil.example/v1/photos");
        yield return Get($"https://{host}/v1/photos");
        yield return Get($"ftp://{host}/v1/photos");
        yield return Get("http:///v1/photos");
        yield return Get($"http://user:pass@{host}/v1/photos");
        yield return $"CONNECT {host} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n";
        yield return $"OPTIONS * HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n";
        yield return Get("*");
        yield return Get(host);

        // Methods: unknown, lower case, extension, with odd bytes.
        foreach (var method in new[] { "FOO", "PROPFIND", "MKCOL", "TRACE", "OPTIONS", "PATCH", "PUT", "POST", "DELETE", "HEAD", "get", "Get", "G\tT", "GE\x01T", new string('M', 300), "BREW", "QUERY", "PRI" })
        {
            yield return $"{method} /v1/photos HTTP/1.1\r\nHost: {host}\r\n{auth}Content-Length: 0\r\nConnection: close\r\n\r\n";
            yield return $"{method} /v1/photos/{photo}/content HTTP/1.1\r\nHost: {host}\r\n{auth}Content-Length: 0\r\nConnection: close\r\n\r\n";
        }

        // Targets: bad percent-encoding, dot segments, encoded slashes, odd bytes, huge.
        foreach (var target in new[]
        {
            "/v1/photos/%", "/v1/photos/%zz", "/v1/photos/%0", "/v1/photos/%00", "/v1/photos/%C0%AE%C0%AE", "/v1/photos/%FF%FE", "/v1/photos/%E2%82",
            "/v1/%2e%2e/v1/photos", "/v1/../v1/photos", "/v1/photos/../../..", "/./v1/photos", "//v1//photos", "/v1/photos/..%2f..%2fetc%2fpasswd",
            $"/v1/photos/{photo}/%2e%2e/content", $"/v1/photos/{photo}%2Fcontent", "/v1/photos?pageSize=%", "/v1/photos?pageSize=%FF%FE", "/v1/photos?%=%&&&==",
            "/v1/photos?pageSize=1&pageSize=2", "/v1/photos#fragment", "/v1/photos/\x7f", "/v1/photos/\xC3\x28", "v1/photos", "/" + new string('a', 7000),
            "/v1/photos?pageSize=" + new string('9', 100), "/v1/photos?pageToken=" + new string('A', 4000), "/%2F%2F/v1/photos", "/v1/photos;param", "/v1/photos/ /content",
        })
        {
            yield return Get(target);
        }

        // Versions.
        foreach (var version in new[] { "HTTP/2.0", "HTTP/0.9", "HTTP/1.2", "HTTP/9.9", "HTTP/1", "http/1.1", "HTTP/1.1 extra", "HTTP/1.01", "" })
        {
            yield return Get("/v1/photos", version);
        }

        // Header syntax and framing headers.
        foreach (var header in new[]
        {
            "NoColon\r\n", " Leading: space\r\n", "X-Folded: a\r\n b\r\n", "X-Nul: a\0b\r\n", "X-Long: " + new string('x', 40000) + "\r\n",
            string.Concat(Enumerable.Range(0, 100).Select(i => $"X-{i}: {i}\r\n")), "Content-Length: -1\r\n", "Content-Length: abc\r\n",
            "Content-Length: 1\r\nContent-Length: 2\r\n", "Content-Length: 99999999999999999999\r\n", "Content-Length: 5\r\n", "Transfer-Encoding: gzip\r\n",
            "Transfer-Encoding: chunked, gzip\r\n", "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n", "Accept: \xFF\xFE\r\n", "Authorization: Bearer second\r\n",
            "Expect: something-else\r\n", "Expect: 100-continue\r\n", "Range: bytes=\xFF\r\n", "If-None-Match: \x01\r\n", "Content-Type: \r\n", "Accept-Encoding: \xC3\x28\r\n",
            ":authority: x\r\n", "X-Forwarded-For: 1.2.3.4, garbage, ::1\r\n", "X-Forwarded-Proto: gopher\r\n", "X-Forwarded-Host: evil.example\r\n", "Forwarded: for=\"[::1\"\r\n",
            "Connection: upgrade\r\nUpgrade: websocket\r\n", "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\nConnection: Upgrade, HTTP2-Settings\r\n",
        })
        {
            // A declared body that never comes: Kestrel answers, then waits for it (so the sending side is closed).
            var bodyNeverComes = header is "Content-Length: 5\r\n" or "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n" ? EndsEarly : "";
            yield return bodyNeverComes + Get("/v1/photos", headers: header);
            yield return bodyNeverComes + Get($"/v1/photos/{photo}/content", headers: header);
        }

        // Broken body framing wherever our code reads a body (RFC 9112 §6, §7.1).
        var targets = new (string Method, string Path, string ContentType, string Start)[]
        {
            ("POST", "/v1/photos", "application/json", "{\"title\":\"t\""),
            ("PATCH", $"/v1/photos/{photo}", "application/json", "{\"title\":\"t\""),
            ("POST", "/v1/albums", "application/json", "{\"title\":\"t\""),
            ("PUT", $"/v1/photos/{photo}/content", "image/png", "\x89PNG\r\n\x1a\n"),
        };
        foreach (var (method, path, contentType, start) in targets)
        {
            var head = $"{method} {path} HTTP/1.1\r\nHost: {host}\r\n{auth}Content-Type: {contentType}\r\nIf-Match: \"0\"\r\nConnection: close\r\n";
            var firstChunk = $"{start.Length:x}\r\n{start}\r\n";
            foreach (var body in new[]
            {
                "fffffffffffffffff1\r\nabc\r\n", firstChunk + "fffffffffffffffff1\r\nabc\r\n", "zz\r\nabc\r\n0\r\n\r\n", firstChunk + "5\r\nabc\r\n0\r\n\r\n",
                firstChunk + "3\r\nabcXX0\r\n\r\n", firstChunk + "3\r\nabc\r\n", firstChunk, "-1\r\n", "\r\n", "3;" + new string('x', 10000) + "\r\nabc\r\n0\r\n\r\n",
                firstChunk + "0\r\nBad Trailer\r\n\r\n", "0x3\r\nabc\r\n0\r\n\r\n", " 3\r\nabc\r\n0\r\n\r\n", "3 \r\nabc\r\n0\r\n\r\n", "3\nabc\n0\n\n", firstChunk + "0\r\n",
            })
            {
                yield return EndsEarly + head + "Transfer-Encoding: chunked\r\n\r\n" + body;
            }
            yield return EndsEarly + head + "Content-Length: 100\r\n\r\n" + start;
            yield return EndsEarly + head + "Content-Length: 1048577\r\n\r\n" + start;
            yield return head + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n" + firstChunk + "0\r\n\r\n";
        }

        // Content types and charsets the endpoints do not take, or take oddly.
        foreach (var contentType in new[]
        {
            "application/json; charset=utf-16", "application/json; charset=\"", "application/json; charset=ebcdic", "application/json;;;", "text/plain",
            "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "*/*", "application/merge-patch+json", "application/json; charset=utf-8; x=\xFF",
            "image/png", "image/png; charset=utf-8", "IMAGE/PNG", "image/png;", "image/", "/", "application/json\x01",
        })
        {
            const string json = "{\"title\":\"shape\"}";
            yield return $"POST /v1/photos HTTP/1.1\r\nHost: {host}\r\n{auth}Content-Type: {contentType}\r\nContent-Length: {json.Length}\r\nConnection: close\r\n\r\n{json}";
            const string png = "\x89PNG\r\n\x1a\nxxxx";
            yield return $"PUT /v1/photos/{photo}/content HTTP/1.1\r\nHost: {host}\r\n{auth}Content-Type: {contentType}\r\nContent-Length: {png.Length}\r\nConnection: close\r\n\r\n{png}";
        }

        // Bodies where none belongs.
        yield return $"GET /v1/photos HTTP/1.1\r\nHost: {host}\r\n{auth}Content-Length: 5\r\nConnection: close\r\n\r\nhello";
        yield return $"GET /v1/photos HTTP/1.1\r\nHost: {host}\r\n{auth}Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
        yield return $"HEAD /v1/photos HTTP/1.1\r\nHost: {host}\r\n{auth}Content-Length: 5\r\nConnection: close\r\n\r\nhello";
        yield return $"DELETE /v1/photos/{Guid.NewGuid()} HTTP/1.1\r\nHost: {host}\r\n{auth}Content-Length: 5\r\nConnection: close\r\n\r\nhello";
        yield return $"DELETE /v1/albums/{Guid.NewGuid()} HTTP/1.1\r\nHost: {host}\r\n{auth}Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
        yield return $"GET /health/ready HTTP/1.1\r\nHost: {host}\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello";

        // Pipelining, and garbage that is not HTTP at all.
        yield return Get("/v1/photos").Replace("Connection: close\r\n", "", StringComparison.Ordinal) + Get("/v1/photos/%zz");
        yield return "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03";
        // An HTTP/2 preface and blank lines (RFC 9112 §2.2: ignored before a request line) leave Kestrel waiting for more.
        yield return EndsEarly + "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
        yield return EndsEarly + "\r\n\r\n\r\n";
        yield return "GET\r\n\r\n";
        yield return new string('A', 20000);
    }
}
