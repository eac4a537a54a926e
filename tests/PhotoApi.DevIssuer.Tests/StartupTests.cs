using Microsoft.Extensions.Options;
using PhotoApi.DevIssuer.Hosting;
using PhotoApi.DevIssuer.Tests.Infrastructure;

namespace PhotoApi.DevIssuer.Tests;

public sealed class StartupTests
{
    [Fact]
    public async Task DevTokensOnANonLoopbackAddress_RefuseToStart()
    {
        await using var host = IssuerHost.With(new Dictionary<string, string?> { ["urls"] = "http://0.0.0.0:5999" });

        var error = Assert.Throws<OptionsValidationException>(() => host.StartServer());

        Assert.Contains("non-loopback", error.Message, StringComparison.Ordinal);
        Assert.Contains("http://0.0.0.0:5999", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HttpPortsBindEveryInterface_SoTheyAreRefusedToo()
    {
        await using var host = IssuerHost.With(new Dictionary<string, string?> { ["http_ports"] = "8080" });

        var error = Assert.Throws<OptionsValidationException>(() => host.StartServer());

        Assert.Contains("http://*:8080", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NonLoopbackAddress_IsAcceptedWhenDevTokensAreOff()
    {
        await using var host = IssuerHost.With(new Dictionary<string, string?>
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
        await using var host = IssuerHost.With(new Dictionary<string, string?>
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
        await using var host = IssuerHost.With(new Dictionary<string, string?>
        {
            ["DevIssuer:SigningAlgorithm"] = "HS256",
            ["DevIssuer:Issuer"] = "not-a-url",
            ["DevIssuer:Clients:2:Scopes:1"] = "photos.everything",
        });

        var error = Assert.Throws<OptionsValidationException>(() => host.StartServer());

        Assert.Contains("DevIssuer:SigningAlgorithm must be ES256 or RS256", error.Message, StringComparison.Ordinal);
        Assert.Contains("DevIssuer:Issuer must be an absolute http(s) URL", error.Message, StringComparison.Ordinal);
        Assert.Contains("DevIssuer:Clients:2:Scopes contains unknown 'photos.everything'", error.Message, StringComparison.Ordinal);
    }
}
