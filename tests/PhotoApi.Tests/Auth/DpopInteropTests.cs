using System.Diagnostics;

namespace PhotoApi.Tests.Auth;

/// <summary>
/// A well-known RFC 9449 client library, unmodified (panva's oauth4webapi from npm, run by Node.js; installed by
/// scripts/test.sh with <c>npm ci</c> in tests/interop), against the real dev issuer and the real API with nonces required
/// at both: it gets a DPoP-bound token and calls the API, answering each use_dpop_nonce the way the library does.
/// </summary>
public sealed class DpopInteropTests : IAsyncLifetime
{
    private DevIssuerApi _cast = null!;

    public async Task InitializeAsync() => _cast = await DevIssuerApi.RequiringDpopNoncesAsync();

    public async Task DisposeAsync() => await _cast.DisposeAsync();

    [Fact]
    public async Task Oauth4webapi_GetsADpopBoundTokenFromTheDevIssuer_AndReadsTheApiWithIt()
    {
        var result = await RunAsync("photo-admin-job", "photo-admin-job-secret", "photos.admin", "/v1/admin/usage");

        Assert.Contains("ES256", result.GetProperty("dpopAlgorithms").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal("DPoP", result.GetProperty("tokenType").GetString(), ignoreCase: true);
        Assert.True(result.GetProperty("tokenNonceRetried").GetBoolean()); // the issuer asked for a nonce first
        Assert.Equal(result.GetProperty("thumbprint").GetString(), result.GetProperty("jkt").GetString());
        Assert.Equal(200, result.GetProperty("firstStatus").GetInt32());
        Assert.True(result.GetProperty("firstNonceRetried").GetBoolean()); // so did the API
        Assert.Equal(200, result.GetProperty("secondStatus").GetInt32());
    }

    private async Task<JsonElement> RunAsync(params string[] args)
    {
        var interop = RepositoryRoot.NodeTools("oauth4webapi");
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = interop,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(interop, "dpop-client.mjs"));
        start.ArgumentList.Add(_cast.Issuer.BaseAddress.AbsoluteUri);
        start.ArgumentList.Add(_cast.Api.BaseAddress.AbsoluteUri);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(process.ExitCode == 0, $"node exited with {process.ExitCode}: {await stderr}");
        return JsonDocument.Parse(await stdout).RootElement.Clone();
    }
}
