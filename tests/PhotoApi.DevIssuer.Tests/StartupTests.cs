using Microsoft.Extensions.Options;
using PhotoApi.DevIssuer.Hosting;

namespace PhotoApi.DevIssuer.Tests;

public sealed class StartupTests
{
    /// <summary>
    /// Starts the issuer exactly as Main does (no WebApplicationFactory, which can hide a start-up
    /// exception behind ObjectDisposedException when the host fails fast).
    /// </summary>
    private static async Task<OptionsValidationException> StartupFailureAsync(params string[] args)
    {
        var keyDirectory = DevIssuerHost.NewTempDirectory();
        try
        {
            await using var app = DevIssuerProgram.Build([
                $"--contentRoot={AppContext.BaseDirectory}",
                $"--DevIssuer:KeyDirectory={keyDirectory}",
                "--Logging:LogLevel:Default=None",
                .. args]);
            return await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
        }
        finally
        {
            Directory.Delete(keyDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task DevTokensOnANonLoopbackAddress_RefuseToStart()
    {
        var error = await StartupFailureAsync("--urls=http://0.0.0.0:5999");

        Assert.Contains("non-loopback", error.Message, StringComparison.Ordinal);
        Assert.Contains("http://0.0.0.0:5999", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HttpPortsBindEveryInterface_SoTheyAreRefusedToo()
    {
        var error = await StartupFailureAsync("--http_ports=8080");

        Assert.Contains("http://*:8080", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NonLoopbackAddress_IsAcceptedWhenDevTokensAreOff()
    {
        await using var host = DevIssuerHost.With(new Dictionary<string, string?>
        {
            ["urls"] = "http://0.0.0.0:5999",
            ["DevIssuer:EnableDevTokens"] = "false",
        });

        host.StartServer();

        Assert.All(host.Addresses, address => Assert.True(LoopbackGuard.IsLoopback(address), address)); // WebApplicationFactory's Kestrel port wins over "urls".
    }

    [Fact]
    public async Task NonLoopbackAddress_IsAcceptedWhenForced()
    {
        await using var host = DevIssuerHost.With(new Dictionary<string, string?>
        {
            ["urls"] = "http://0.0.0.0:5999",
            ["DevIssuer:AllowDevTokensOnNonLoopback"] = "true",
        });

        host.StartServer();

        Assert.All(host.Addresses, address => Assert.True(LoopbackGuard.IsLoopback(address), address));
    }

    [Theory]
    [InlineData("http://localhost:5001", true)]
    [InlineData("http://127.0.0.1:5001", true)]
    [InlineData("http://127.0.0.2:5001", true)]
    [InlineData("http://[::1]:5001", true)]
    [InlineData("http://0.0.0.0:5001", false)]
    [InlineData("http://[::]:5001", false)]
    [InlineData("http://*:5001", false)]
    [InlineData("http://+:5001", false)]
    [InlineData("http://192.168.1.20:5001", false)]
    [InlineData("http://devbox.example:5001", false)]
    public void LoopbackGuard_KnowsWhichAddressesAreLoopback(string url, bool loopback)
    {
        Assert.Equal(loopback, LoopbackGuard.IsLoopback(url));
    }

    [Fact]
    public async Task InvalidConfiguration_FailsStartWithEveryMistakeNamed()
    {
        var error = await StartupFailureAsync(
            "--DevIssuer:SigningAlgorithm=HS256",
            "--DevIssuer:Issuer=not-a-url",
            "--DevIssuer:Clients:2:Scopes:1=photos.everything");

        Assert.Contains("DevIssuer:SigningAlgorithm must be ES256 or RS256", error.Message, StringComparison.Ordinal);
        Assert.Contains("DevIssuer:Issuer must be an absolute http(s) URL", error.Message, StringComparison.Ordinal);
        Assert.Contains("DevIssuer:Clients:2:Scopes contains unknown 'photos.everything'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResourceThatIsNotAnAbsoluteUri_FailsStart()
    {
        var error = await StartupFailureAsync("--DevIssuer:Resources:0=photos-api");

        Assert.Contains("DevIssuer:Resources:0 must be an absolute URI without fragment", error.Message, StringComparison.Ordinal);
    }
}
