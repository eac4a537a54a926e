namespace PhotoApi.DevIssuer.Tests;

public sealed class SigningKeyTests : IDisposable
{
    private readonly string _keyDirectory = DevIssuerHost.NewTempDirectory();

    public void Dispose() => Directory.Delete(_keyDirectory, recursive: true);

    private static async Task<JsonElement> OnlyKeyAsync(DevIssuerHost host)
    {
        using var http = host.NewHttpClient();
        var jwks = JsonDocument.Parse(await http.GetStringAsync(".well-known/jwks")).RootElement;
        return Assert.Single(jwks.GetProperty("keys").EnumerateArray()).Clone();
    }

    [Fact]
    public async Task FirstStart_WritesTheTokenEncryptionKeyOwnerOnly()
    {
        await using (var host = DevIssuerHost.With(keyDirectory: _keyDirectory))
        {
            host.StartServer();
        }

        var file = Path.Combine(_keyDirectory, "token-encryption-key.b64");
        Assert.Equal(32, Convert.FromBase64String(await File.ReadAllTextAsync(file)).Length); // AES-256
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }
    }

    [Fact]
    public async Task FirstStart_WritesThePrivateKeyToTheKeyFolder()
    {
        await using (var host = DevIssuerHost.With(keyDirectory: _keyDirectory))
        {
            host.StartServer();
        }

        var file = Path.Combine(_keyDirectory, "signing-key-es256.pem");
        Assert.Equal(["signing-key-es256.pem", "token-encryption-key.b64"], Directory.GetFiles(_keyDirectory).Select(Path.GetFileName).Order());
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", await File.ReadAllTextAsync(file));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }
    }

    [Fact]
    public async Task Restart_KeepsTheSameKid()
    {
        string firstKid;
        await using (var first = DevIssuerHost.With(keyDirectory: _keyDirectory))
        {
            firstKid = (await OnlyKeyAsync(first)).GetProperty("kid").GetString()!;
        }

        await using var second = DevIssuerHost.With(keyDirectory: _keyDirectory);
        Assert.Equal(firstKid, (await OnlyKeyAsync(second)).GetProperty("kid").GetString());
    }

    [Fact]
    public async Task TokenFromBeforeARestart_StillVerifiesAfterIt()
    {
        string token;
        string issuerBefore;
        await using (var first = DevIssuerHost.With(keyDirectory: _keyDirectory))
        {
            using var tokens = first.NewTokenClient();
            token = (await tokens.ClientCredentialsAsync("photo-admin-job", "photo-admin-job-secret")).EnsureTokens().AccessToken!;
            issuerBefore = first.Issuer;
        }

        await using var second = DevIssuerHost.With(keyDirectory: _keyDirectory);
        using var http = second.NewHttpClient();
        var result = await Jwt.ValidateAsync(token, http, issuerBefore);
        Assert.True(result.IsValid, result.Exception?.Message);
    }

    [Fact]
    public async Task AnotherKeyFolder_GetsAnotherKey()
    {
        await using var first = DevIssuerHost.With(keyDirectory: _keyDirectory);
        await using var other = new DevIssuerHost();

        Assert.NotEqual(
            (await OnlyKeyAsync(first)).GetProperty("kid").GetString(),
            (await OnlyKeyAsync(other)).GetProperty("kid").GetString());
    }

    [Fact]
    public async Task Rs256_CanBeChosenInstead()
    {
        await using var host = DevIssuerHost.With(new Dictionary<string, string?> { ["DevIssuer:SigningAlgorithm"] = "RS256" }, keyDirectory: _keyDirectory);
        using var tokens = host.NewTokenClient();

        var key = await OnlyKeyAsync(host);
        var response = (await tokens.ClientCredentialsAsync("photo-admin-job", "photo-admin-job-secret")).EnsureTokens();

        Assert.Equal("RSA", key.GetProperty("kty").GetString());
        Assert.False(key.TryGetProperty("d", out _));
        Assert.Equal("RS256", Jwt.Decode(response.AccessToken!).HeaderValue("alg"));
        Assert.True(File.Exists(Path.Combine(_keyDirectory, "signing-key-rs256.pem")));
    }
}
