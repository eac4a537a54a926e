using System.Diagnostics;
using System.Net.Sockets;
using System.Security.Cryptography;
using Xunit.Abstractions;

namespace PhotoApi.Tests.Resilience;

/// <summary>
/// SIGTERM to the real API process: the download in flight completes, new connections are refused, and the process exits
/// within its drain timeout.
/// </summary>
[Trait("Category", "Resilience")]
[Collection(ResilienceCollection.Name)]
public sealed class GracefulShutdownTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int PhotoBytes = 20 * 1024 * 1024;

    private TestIssuer _issuer = null!;
    private TestDatabase _database = null!;
    private Process _api = null!;
    private Uri _baseAddress = null!;

    public async Task InitializeAsync()
    {
        _issuer = await TestIssuer.StartAsync();
        _database = await TestDatabase.CreateAsync();
        var port = FreePort.Next();
        _baseAddress = new Uri($"http://127.0.0.1:{port}");
        _api = ApiProcess.Start(new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = _baseAddress.ToString(),
            ["ConnectionStrings__Photos"] = _database.ConnectionString,
            ["Auth__Authority"] = _issuer.Authority,
            ["Auth__RequireHttpsMetadata"] = "false",
            ["Auth__ResourceUri"] = _baseAddress.ToString(),
            ["Limits__DrainTimeout"] = "00:00:20",
            ["Logging__LogLevel__Default"] = "Warning",
        });
        _api.OutputDataReceived += (_, e) => { };
        _api.ErrorDataReceived += (_, e) => { };
        _api.BeginOutputReadLine();
        _api.BeginErrorReadLine();

        if (await ApiProcess.AnswersAsync(_baseAddress, "/health/ready"))
        {
            return;
        }
        throw new InvalidOperationException("The API process did not become ready.");
    }

    public async Task DisposeAsync()
    {
        if (!_api.HasExited)
        {
            _api.Kill(entireProcessTree: true);
            await _api.WaitForExitAsync();
        }
        _api.Dispose();
        await _issuer.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task Sigterm_LetsTheDownloadInFlightFinish_RefusesNewConnections_AndExitsWithinTheDrainTimeout()
    {
        var token = _issuer.Token("alice", "photos.read photos.write");
        using var client = new HttpClient { BaseAddress = _baseAddress, Timeout = TimeSpan.FromMinutes(2) };
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        var id = await client.CreatePhotoAsync("big");
        var bytes = Images.Jpeg(PhotoBytes);
        Assert.Equal(HttpStatusCode.Created, (await client.PutAsync($"/v1/photos/{id}/content", Images.Content(bytes, "image/jpeg"))).StatusCode);

        // A slow reader with a small receive buffer: the server is still writing when the signal comes.
        using var slowHandler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 16 * 1024, NoDelay = true };
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        using var slowClient = new HttpClient(slowHandler) { BaseAddress = _baseAddress, Timeout = TimeSpan.FromMinutes(2) };
        slowClient.DefaultRequestHeaders.Authorization = new("Bearer", token);
        using var download = await slowClient.GetAsync($"/v1/photos/{id}/content", HttpCompletionOption.ResponseHeadersRead);
        await using var body = await download.Content.ReadAsStreamAsync();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[64 * 1024];
        long received = 0;
        while (received < 1024 * 1024)
        {
            var n = await body.ReadAsync(buffer);
            hash.AppendData(buffer, 0, n);
            received += n;
        }

        var signalled = Stopwatch.StartNew();
        using (var kill = Process.Start("kill", ["-TERM", _api.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        // New connections are no longer accepted (soon after the signal: the host stops its listeners first).
        using var newcomer = new HttpClient { BaseAddress = _baseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var refused = false;
        for (var waited = Stopwatch.StartNew(); !refused && waited.Elapsed < TimeSpan.FromSeconds(15);)
        {
            try
            {
                using var answered = await newcomer.GetAsync("/health/live");
                await Task.Delay(20);
            }
            catch (HttpRequestException)
            {
                refused = true;
            }
        }
        Assert.True(refused, "the API still accepted new connections 15 s after SIGTERM");

        // The download in flight still completes, byte for byte.
        int read;
        while ((read = await body.ReadAsync(buffer)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            received += read;
            await Task.Delay(5);
        }
        Assert.Equal(PhotoBytes, received);
        Assert.Equal(Images.Sha256(bytes), Convert.ToHexStringLower(hash.GetHashAndReset()));

        var exited = await Task.WhenAny(_api.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(25))) is var done && _api.HasExited;
        output.WriteLine($"Exited {signalled.Elapsed.TotalMilliseconds:0} ms after SIGTERM with code {(exited ? _api.ExitCode : -1)}; download finished after the signal.");
        Assert.True(exited, "the API did not exit within its 20 s drain timeout");
        Assert.Equal(0, _api.ExitCode);
    }
}
