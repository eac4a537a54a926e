using Microsoft.Extensions.Options;
using PhotoApi.Tests.Infrastructure;

namespace PhotoApi.Tests.Auth;

/// <summary>An unsafe or unusable auth configuration stops the API at start-up with a message naming the setting.</summary>
public sealed class AuthConfigurationTests
{
    private const string Database = "Host=127.0.0.1;Port=1;Database=unused";

    [Theory]
    [InlineData("Auth:ValidAlgorithms", "RS256,HS256", "'HS256' is not allowed")]
    [InlineData("Auth:ValidAlgorithms", "none", "'none' is not allowed")]
    [InlineData("Auth:ClockSkew", "00:10:00", "Auth__ClockSkew")]
    [InlineData("Auth:Profile", "myidp", "Profile 'myidp' is unknown")]
    [InlineData("Auth:ScopeMap:Photos.Read.All", "photos.everything", "not a PhotoApi scope")]
    public void UnsafeSetting_StopsStartUp(string key, string value, string message)
    {
        var error = StartUpError("http://127.0.0.1:5001", new Dictionary<string, string?> { [key] = value });

        Assert.Contains(message, error, StringComparison.Ordinal);
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
    public void MissingAuthority_IsReportedByName()
    {
        var error = StartUpError("", new Dictionary<string, string?>());

        Assert.Contains("Auth__Authority is required", error, StringComparison.Ordinal);
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

    private static string StartUpError(string? authority, Dictionary<string, string?> settings)
    {
        settings["Database:MigrateOnStartup"] = "false";
        using var api = new PhotoApiFactory(authority, Database, settings, kestrel: false);
        var error = Assert.ThrowsAny<Exception>(() => api.StartServer());
        var validation = Flatten(error).OfType<OptionsValidationException>().FirstOrDefault();
        Assert.True(validation is not null, $"Start-up failed without naming the setting: {error}");
        return validation.Message;
    }

    private static IEnumerable<Exception> Flatten(Exception error)
    {
        yield return error;
        var inner = error is AggregateException aggregate ? aggregate.InnerExceptions : error.InnerException is { } one ? [one] : [];
        foreach (var child in inner.SelectMany(Flatten))
        {
            yield return child;
        }
    }
}
