using System.Net.Sockets;
using System.Text;

namespace PhotoApi.Tests.Edge;

/// <summary>
/// Slow clients cannot starve the service: transfers have their own budget and a per-user limit, and a transfer in
/// progress holds no database transaction or connection, however slowly its client sends or reads.
/// </summary>
public sealed class SlowClientTests : IAsyncLifetime
{
    private const int Transfers = 3;
    private OwnApi _own = null!;

    public async Task InitializeAsync()
    {
        _own = await OwnApi.CreateAsync(new Dictionary<string, string?>
        {
            ["Limits:TransfersPerUser"] = Transfers.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Limits:MaxConcurrentTransfers"] = "5",
            // As many API slots as one user's transfers, and no queue: if transfers took API slots, Bob would get 503.
            ["Limits:MaxConcurrentRequests"] = Transfers.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Limits:QueueLength"] = "0",
        });
        _own.Api.StartServer();
    }

    public async Task DisposeAsync() => await _own.DisposeAsync();

    [Fact]
    public async Task OneUsersSlowTransfers_BeyondThePermits_Get429_WhileAnotherUserIsServed_AndNoTransactionStaysOpen()
    {
        var malloryToken = _own.Issuer.Token(ApiFixture.NewSubject("mallory"), "photos.read photos.write");
        var mallory = _own.Api.WithToken(malloryToken);
        var target = await PhotoAsync(mallory, Images.Png(300_000));
        var big = await PhotoAsync(mallory, Images.Png(12 * 1024 * 1024));
        var bobClient = _own.Api.WithToken(_own.Issuer.Token(ApiFixture.NewSubject("bob"), "photos.read photos.write"));
        var bobPhoto = await PhotoAsync(bobClient, Images.Jpeg(600_000));

        // Two uploads that send 300 KB (more than one chunk) and stall, and a download whose client stops reading.
        using var upload1 = await StallingUploadAsync(malloryToken, target);
        using var upload2 = await StallingUploadAsync(malloryToken, target);
        using var download = await StallingDownloadAsync(malloryToken, big);
        await EventuallyAsync(async () => await _own.Database.ScalarAsync<long>("SELECT count(*) FROM content_uploads") == 2
            && await _own.Database.ScalarAsync<long>("SELECT count(*) FROM photo_chunks c JOIN content_uploads u USING (content_id)") >= 2);

        var fourth = await mallory.GetAsync($"/v1/photos/{target}/content");
        var fifth = await mallory.PutAsync($"/v1/photos/{target}/content", Images.Content(Images.Png(1000), "image/png"));
        var bobLists = await bobClient.GetAsync("/v1/photos");
        var bobDownloads = await bobClient.GetByteArrayAsync($"/v1/photos/{bobPhoto}/content");
        var bobUploads = await bobClient.PutAsync($"/v1/photos/{bobPhoto}/content", Images.Content(Images.Png(500_000), "image/png"));
        var openTransactions = await _own.Database.ScalarAsync<long>(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL");
        var busyConnections = await _own.Database.ScalarAsync<long>(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'");

        var problem = await HttpAssert.Problem(fourth, HttpStatusCode.TooManyRequests);
        Assert.True(fourth.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        await HttpAssert.Problem(fifth, HttpStatusCode.TooManyRequests);
        Assert.Equal(HttpStatusCode.OK, bobLists.StatusCode);
        Assert.Equal(600_000, bobDownloads.Length);
        Assert.Equal(HttpStatusCode.OK, bobUploads.StatusCode);
        Assert.Equal(0, openTransactions);
        Assert.Equal(0, busyConnections);
        Assert.Contains("uploads and downloads", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AStalledUpload_IsCutOffByTheMinimumDataRate_AndThePreviousContentStays()
    {
        var token = _own.Issuer.Token(ApiFixture.NewSubject("trickle"), "photos.read photos.write");
        var client = _own.Api.WithToken(token);
        var original = Images.Jpeg(300_000);
        var photo = await PhotoAsync(client, original);

        // Kestrel's rate is the average since the body started: 2 KB then nothing falls below 1 KiB/s within seconds.
        using var upload = await StallingUploadAsync(token, photo, sent: 2000);
        var answer = await ReadToCloseAsync(upload, TimeSpan.FromSeconds(60));

        // Kestrel's minimum data rate (after its 5 s grace) ends the request: a 408 problem, or a closed connection.
        Assert.True(answer.Length == 0 || answer.StartsWith("HTTP/1.1 408", StringComparison.Ordinal), answer);
        Assert.Equal(original, await client.GetByteArrayAsync($"/v1/photos/{photo}/content"));
        await EventuallyAsync(async () => await _own.Database.ScalarAsync<long>("SELECT count(*) FROM content_uploads") == 0);
        Assert.Equal(2L, await _own.Database.ScalarAsync<long>("SELECT count(*) FROM photo_chunks WHERE photo_id = @id", ("id", Guid.Parse(photo))));
    }

    [Fact]
    public async Task ContentReplacedDuringASlowDownload_CutsTheDownloadShort_NeverMixesTwoVersions()
    {
        var token = _own.Issuer.Token(ApiFixture.NewSubject("reader"), "photos.read photos.write");
        var client = _own.Api.WithToken(token);
        var before = Images.Png(12 * 1024 * 1024, seed: 5);
        var photo = await PhotoAsync(client, before);
        using var download = await StallingDownloadAsync(token, photo);
        // The download is under way: its first bytes (status line and headers, then body) have arrived.
        var start = new byte[1024];
        var started = await download.GetStream().ReadAtLeastAsync(start, start.Length).AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync($"/v1/photos/{photo}/content", Images.Content(Images.Png(12 * 1024 * 1024, seed: 6), "image/png"))).StatusCode);
        byte[] received = [.. start[..started], .. await ReadBytesToCloseAsync(download, TimeSpan.FromSeconds(60))];

        var split = received.AsSpan().IndexOf("\r\n\r\n"u8) + 4;
        Assert.StartsWith("HTTP/1.1 200", Encoding.ASCII.GetString(received, 0, 12), StringComparison.Ordinal);
        var body = received[split..];
        // The old version's chunks went with the swap: the response ends early, and what came is the old version only.
        Assert.InRange(body.Length, 1, before.Length - 1);
        Assert.True(before.AsSpan(0, body.Length).SequenceEqual(body), "the download mixed two versions");
    }

    private static async Task<string> PhotoAsync(HttpClient client, byte[] content)
    {
        var id = await client.CreatePhotoAsync("slow");
        var type = content[0] == 0xFF ? "image/jpeg" : "image/png";
        Assert.Equal(HttpStatusCode.Created, (await client.PutAsync($"/v1/photos/{id}/content", Images.Content(content, type))).StatusCode);
        return id;
    }

    private async Task<TcpClient> StallingUploadAsync(string token, string photo, int sent = 300_000)
    {
        var client = new TcpClient();
        await client.ConnectAsync(_own.Api.BaseAddress.Host, _own.Api.BaseAddress.Port);
        var body = Images.Png(3_000_000);
        var head = $"PUT /v1/photos/{photo}/content HTTP/1.1\r\nHost: {_own.Api.BaseAddress.Authority}\r\nAuthorization: Bearer {token}\r\n"
            + $"Content-Type: image/png\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n";
        await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes(head));
        await client.GetStream().WriteAsync(body.AsMemory(0, sent));
        return client;
    }

    private async Task<TcpClient> StallingDownloadAsync(string token, string photo)
    {
        // A tiny receive window: the server's writes block once the socket buffers are full.
        var client = new TcpClient { ReceiveBufferSize = 4096 };
        await client.ConnectAsync(_own.Api.BaseAddress.Host, _own.Api.BaseAddress.Port);
        var head = $"GET /v1/photos/{photo}/content HTTP/1.1\r\nHost: {_own.Api.BaseAddress.Authority}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n";
        await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes(head));
        return client;
    }

    private static async Task<string> ReadToCloseAsync(TcpClient client, TimeSpan wait) =>
        Encoding.ASCII.GetString(await ReadBytesToCloseAsync(client, wait));

    private static async Task<byte[]> ReadBytesToCloseAsync(TcpClient client, TimeSpan wait)
    {
        using var timeout = new CancellationTokenSource(wait);
        using var buffer = new MemoryStream();
        try
        {
            await client.GetStream().CopyToAsync(buffer, timeout.Token);
        }
        catch (IOException)
        {
            // Reset after the answer, or instead of one.
        }
        return buffer.ToArray();
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 100; i++)
        {
            if (await condition())
            {
                return;
            }
            await Task.Delay(50);
        }
        Assert.Fail("the condition never held");
    }
}
