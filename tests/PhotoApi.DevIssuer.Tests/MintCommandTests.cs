using System.Diagnostics;

namespace PhotoApi.DevIssuer.Tests;

/// <summary><c>dotnet run --project src/PhotoApi.DevIssuer -- mint ...</c>, run as its own process.</summary>
public sealed class MintCommandTests(DevIssuerHost host) : IClassFixture<DevIssuerHost>
{
    private async Task<(int ExitCode, string Stdout, string Stderr)> MintAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory, // Where the issuer's appsettings.json was copied.
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "PhotoApi.DevIssuer.dll"));
        start.ArgumentList.Add("mint");
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DevIssuer__KeyDirectory"] = host.KeyDirectory;
        start.Environment.Remove("ASPNETCORE_URLS");
        start.Environment.Remove("DevIssuer__Issuer");

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return (process.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task Mint_PrintsOnlyATokenSignedWithThePersistedKey()
    {
        using var http = host.NewHttpClient();

        var (exitCode, stdout, stderr) = await MintAsync("--sub", "alice", "--scope", "photos.read photos.write");

        Assert.True(exitCode == 0, stderr);
        var token = Assert.Single(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        // No issuer configured: the command assumes the default address, http://localhost:5001/.
        var result = await Jwt.ValidateAsync(token, http, "http://localhost:5001/");
        Assert.True(result.IsValid, result.Exception?.Message);
    }

    [Fact]
    public async Task Mint_BindsTheTokenToADpopKeyAndACertificate()
    {
        const string jkt = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I";
        const string certificate = "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2";

        var (exitCode, stdout, stderr) = await MintAsync("--sub", "alice", "--jkt", jkt, "--x5t-s256", certificate);

        Assert.True(exitCode == 0, stderr);
        var cnf = Jwt.Decode(stdout.Trim()).Payload.GetProperty("cnf");
        Assert.Equal(jkt, cnf.GetProperty("jkt").GetString());
        Assert.Equal(certificate, cnf.GetProperty("x5t#S256").GetString());
    }

    [Fact]
    public async Task Mint_WritesTheRequestedClaims()
    {
        var (_, stdout, _) = await MintAsync(
            "--sub", "bob", "--scope", "photos.read", "--lifetime", "600", "--acr", "urn:photoapi:acr:mfa", "--auth-time", "1700000000");

        var jwt = Jwt.Decode(stdout.Trim());
        Assert.Equal("bob", jwt.Claim("sub"));
        Assert.Equal("Bob Example", jwt.Claim("name"));
        Assert.Equal("photos.read", jwt.Claim("scope"));
        Assert.Equal("urn:photoapi:acr:mfa", jwt.Claim("acr"));
        Assert.Equal(1_700_000_000, jwt.NumericClaim("auth_time"));
        Assert.Equal(600, jwt.NumericClaim("exp") - jwt.NumericClaim("iat"));
        Assert.Equal("at+jwt", jwt.HeaderValue("typ"));
    }

    [Fact]
    public async Task Mint_WithoutSubject_FailsWithAnExplanationAndNoToken()
    {
        var (exitCode, stdout, stderr) = await MintAsync("--scope", "photos.read");

        Assert.Equal(2, exitCode);
        Assert.Equal("", stdout);
        Assert.Contains("subject is required", stderr, StringComparison.Ordinal);
    }
}
