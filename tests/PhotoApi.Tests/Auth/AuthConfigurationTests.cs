using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using PhotoApi.Auth;

namespace PhotoApi.Tests.Auth;

/// <summary>An unsafe or unusable auth configuration stops the API at start-up with a message naming the setting.</summary>
public sealed class AuthConfigurationTests
{
    [Theory]
    [InlineData("Auth:ValidAlgorithms", "RS256,HS256", "'HS256' is not allowed")]
    [InlineData("Auth:ValidAlgorithms", "none", "'none' is not allowed")]
    [InlineData("Auth:ClockSkew", "00:10:00", "Auth__ClockSkew")]
    [InlineData("Auth:Profile", "myidp", "Profile 'myidp' is unknown")]
    [InlineData("Auth:ScopeMap:Photos.Read.All", "photos.everything", "not a PhotoApi scope")]
    [InlineData("Auth:KeyMaxAge", "00:10:00", "Auth__KeyMaxAge must not be shorter than Auth__KeyRefreshInterval")]
    [InlineData("Auth:KeyRefreshGlobalMinInterval", "00:01:00", "Auth__KeyRefreshGlobalMinInterval")]
    [InlineData("Auth:TokenCache:MaxLifetime", "02:00:00", "Auth__TokenCache__MaxLifetime")]
    [InlineData("Auth:Dpop:Algorithms", "ES256,HS256", "Auth__Dpop__Algorithms: 'HS256' is not allowed")]
    [InlineData("Auth:Dpop:Algorithms", "none", "Auth__Dpop__Algorithms: 'none' is not allowed")]
    [InlineData("Auth:Dpop:NonceKey", "c2hvcnQ=", "Auth__Dpop__NonceKey must be base64 of at least 32 bytes")]
    [InlineData("Auth:Dpop:ProofLifetime", "01:00:00", "Auth__Dpop__ProofLifetime")]
    [InlineData("Auth:Dpop:ReplayCacheMaxEntries", "10", "Auth__Dpop__ReplayCacheMaxEntries")]
    [InlineData("Auth:ClientCertificates:TrustedProxies", "proxy.internal", "'proxy.internal' is not an IP address")]
    public void UnsafeSetting_StopsStartUp(string key, string value, string message)
    {
        var error = StartUpError("http://127.0.0.1:5001", new Dictionary<string, string?> { [key] = value });

        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public void RequireEntitlement_OnAProfileWithoutEntitlements_IsRefused()
    {
        var error = StartUpError("http://127.0.0.1:5001", new Dictionary<string, string?> { ["Auth:Profile"] = "okta", ["Auth:RequireEntitlement"] = "true" });

        Assert.Contains("Auth__RequireEntitlement: the okta profile has no entitlement claim to require.", error, StringComparison.Ordinal);
    }

    [Fact]
    public void RequiringSenderConstrainedTokens_WithNoWayToProvideThem_IsRefused()
    {
        var error = StartUpError("http://127.0.0.1:5001", new Dictionary<string, string?> { ["Auth:RequireSenderConstrainedTokens"] = "true", ["Auth:Dpop:Enabled"] = "false" });

        Assert.Contains("Auth__RequireSenderConstrainedTokens needs DPoP", error, StringComparison.Ordinal);
    }

    [Fact]
    public void PlainHttpMetadata_IsRefusedForARemoteIssuer()
    {
        var error = StartUpError("http://idp.example.com", new Dictionary<string, string?>());

        Assert.Contains("allowed for loopback addresses only", error, StringComparison.Ordinal);
    }

    [Fact]
    public void PlainHttpMetadata_IsRefusedWhenHttpsIsRequired()
    {
        var error = StartUpError("http://127.0.0.1:5001", new Dictionary<string, string?> { ["Auth:RequireHttpsMetadata"] = "true" });

        Assert.Contains("metadata must come over https", error, StringComparison.Ordinal);
    }

    [Fact]
    public void BothTheSingleAndTheListForm_AreRefused()
    {
        var error = StartUpError("http://127.0.0.1:5001", new Dictionary<string, string?> { ["Auth:Issuers:0:Authority"] = "http://127.0.0.1:5002" });

        Assert.Contains("not both", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TheSameIssuerTwice_IsRefused()
    {
        var error = StartUpError(null, new Dictionary<string, string?>
        {
            ["Auth:Issuers:0:Authority"] = "http://127.0.0.1:5002",
            ["Auth:Issuers:1:Authority"] = "http://127.0.0.1:5002/",
        });

        Assert.Contains("configured twice", error, StringComparison.Ordinal);
    }

    [Fact]
    public void AnIssuerInTheListWithoutAuthority_IsNamedByIndex()
    {
        var error = StartUpError(null, new Dictionary<string, string?>
        {
            ["Auth:Issuers:0:Authority"] = "http://127.0.0.1:5002",
            ["Auth:Issuers:1:Profile"] = "okta",
        });

        Assert.Contains("Auth__Issuers__1__Authority is required", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheRealProcess_RefusesToStartWithoutAnAuthority_AndSaysWhichSettingIsMissing()
    {
        using var api = ApiProcess.Start(new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            ["ConnectionStrings__Photos"] = "Host=127.0.0.1;Port=1;Database=unused",
            ["Database__MigrateOnStartup"] = "false",
        });
        var output = api.StandardOutput.ReadToEndAsync();
        var errors = api.StandardError.ReadToEndAsync();

        var exited = await Task.WhenAny(api.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(30))) is var _ && api.HasExited;
        if (!exited)
        {
            api.Kill();
        }

        Assert.True(exited, "the API kept running without an authority");
        Assert.NotEqual(0, api.ExitCode);
        Assert.Contains("Auth__Authority is required", await output + await errors, StringComparison.Ordinal);
    }

    private static string StartUpError(string? authority, Dictionary<string, string?> settings)
    {
        var all = ApiServices.LoopbackAuth(authority);
        all.Remove("Auth:ResourceUri");
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }
        var builder = ApiServices.Builder(all);
        builder.AddPhotoApiAuth();
        return Assert.IsType<OptionsValidationException>(ApiServices.StartUpFailure(builder)).Message;
    }
}
