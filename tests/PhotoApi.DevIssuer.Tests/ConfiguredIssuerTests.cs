using System.Net.Http.Json;

namespace PhotoApi.DevIssuer.Tests;

/// <summary>
/// DevIssuer:Issuer pins the iss of every token. The API compares iss with its authority and with the
/// discovery document's issuer, so the exact string (trailing slash or not) matters.
/// </summary>
public sealed class ConfiguredIssuerTests
{
    private static async Task<(string Discovery, string AppToken, string DevToken)> IssuersAsync(string configured)
    {
        await using var host = DevIssuerHost.With(new Dictionary<string, string?> { ["DevIssuer:Issuer"] = configured });
        using var http = host.NewHttpClient();
        using var tokens = host.NewTokenClient();

        var discovery = JsonDocument.Parse(await http.GetStringAsync(".well-known/openid-configuration")).RootElement.GetProperty("issuer").GetString()!;
        var appToken = (await tokens.ClientCredentialsAsync("photo-admin-job", "photo-admin-job-secret")).EnsureTokens().AccessToken!;
        using var minted = await http.PostAsJsonAsync("dev/tokens", new { subject = "alice" });
        var devToken = (await minted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;
        return (discovery, Jwt.Decode(appToken).Claim("iss")!, Jwt.Decode(devToken).Claim("iss")!);
    }

    [Theory]
    [InlineData("http://localhost:5001", "http://localhost:5001/")]
    [InlineData("http://localhost:5001/", "http://localhost:5001/")]
    [InlineData("http://issuer.test:8080/tenant", "http://issuer.test:8080/tenant")]
    [InlineData("http://issuer.test:8080/tenant/", "http://issuer.test:8080/tenant/")]
    public async Task ConfiguredIssuer_IsWhatDiscoveryAndEveryTokenSay(string configured, string expected)
    {
        var (discovery, appToken, devToken) = await IssuersAsync(configured);

        Assert.Equal(expected, discovery);
        Assert.Equal(expected, appToken);
        Assert.Equal(expected, devToken);
    }
}
