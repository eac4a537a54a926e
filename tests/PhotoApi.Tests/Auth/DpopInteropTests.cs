using System.Diagnostics;
using System.Security.Cryptography;

namespace PhotoApi.Tests.Auth;

/// <summary>
/// A well-known RFC 9449 client library, unmodified (panva's oauth4webapi from npm, run by Node.js; installed by
/// scripts/test.sh with <c>npm ci</c> in tests/interop), against the real dev issuer and the real API with nonces required
/// at both: it gets a DPoP-bound token and calls the API, answering each use_dpop_nonce the way the library does.
/// </summary>
public sealed class DpopInteropTests : IAsyncLifetime
{
    private DevIssuerHost _issuer = null!;
    private TestDatabase _database = null!;
    private PhotoApiFactory _api = null!;

    public async Task InitializeAsync()
    {
        _issuer = DevIssuerHost.With(new Dictionary<string, string?> { ["DevIssuer:RequireDpopNonce"] = "true" });
        _database = await TestDatabase.CreateAsync();
        _api = new PhotoApiFactory(_issuer.BaseAddress.AbsoluteUri, _database.ConnectionString, new Dictionary<string, string?>
        {
            ["Auth:Dpop:RequireNonce"] = "true",
            ["Auth:Dpop:NonceKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        });
        _ = _api.BaseAddress;
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        await _issuer.DisposeAsync();
        await _database.DisposeAsync();
    }

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
        start.ArgumentList.Add(_issuer.BaseAddress.AbsoluteUri);
        start.ArgumentList.Add(_api.BaseAddress.AbsoluteUri);
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
