using System.Net.Http.Headers;
using System.Security.Cryptography;
using Xunit.Abstractions;

namespace PhotoApi.Tests.Photos;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasurementCollection
{
    public const string Name = "memory measurement (runs alone)";
}

/// <summary>
/// A 20 MiB photo goes up and comes down without ever being held whole in memory. Measured as bytes allocated by the
/// whole process (API and test client) during the transfer; this collection runs alone so nothing else allocates.
/// </summary>
[Collection(MemoryMeasurementCollection.Name)]
public sealed class ContentMemoryTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int PhotoBytes = 20 * 1024 * 1024;
    // Buffering the photo anywhere would allocate at least 20 MiB; streaming stays far below this.
    private const long AllocationBudget = 6 * 1024 * 1024;

    private OwnApi _own = null!;

    public async Task InitializeAsync()
    {
        _own = await OwnApi.CreateAsync(); // default limit: 25 MiB
    }

    public async Task DisposeAsync() => await _own.DisposeAsync();

    [Fact]
    public async Task TwentyMebibytePhoto_StreamsUpAndDownWithoutBeingBuffered()
    {
        var client = _own.Api.WithToken(_own.Issuer.Token("alice", "photos.read photos.write"));
        var id = await client.CreatePhotoAsync("big");
        var bytes = Images.Jpeg(PhotoBytes);
        // Warm up both paths so JIT and connection pools are not counted.
        await client.UploadContentAsync(id, Images.Jpeg(300_000), "image/jpeg");
        await DownloadAsync(client, id!);

        var beforeUpload = GC.GetTotalAllocatedBytes(precise: true);
        using (var upload = new HttpRequestMessage(HttpMethod.Put, $"/v1/photos/{id}/content"))
        {
            upload.Content = new StreamContent(new MemoryStream(bytes, writable: false), 64 * 1024);
            upload.Content.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(upload)).StatusCode);
        }
        var uploadAllocated = GC.GetTotalAllocatedBytes(precise: true) - beforeUpload;

        var beforeDownload = GC.GetTotalAllocatedBytes(precise: true);
        var (length, hash) = await DownloadAsync(client, id!);
        var downloadAllocated = GC.GetTotalAllocatedBytes(precise: true) - beforeDownload;

        output.WriteLine($"20 MiB upload allocated {uploadAllocated / 1024} KiB; download allocated {downloadAllocated / 1024} KiB (API and client together).");
        Assert.Equal(PhotoBytes, length);
        Assert.Equal(Images.Sha256(bytes), hash);
        Assert.True(uploadAllocated < AllocationBudget, $"upload allocated {uploadAllocated} bytes");
        Assert.True(downloadAllocated < AllocationBudget, $"download allocated {downloadAllocated} bytes");
    }

    private static async Task<(long Length, string Sha256)> DownloadAsync(HttpClient client, string id)
    {
        using var response = await client.GetAsync($"/v1/photos/{id}/content", HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[64 * 1024];
        long length = 0;
        int read;
        while ((read = await body.ReadAsync(buffer)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            length += read;
        }
        return (length, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }
}
