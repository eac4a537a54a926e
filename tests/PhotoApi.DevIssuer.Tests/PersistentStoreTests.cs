namespace PhotoApi.DevIssuer.Tests;

/// <summary>With ConnectionStrings:DevIssuer set, the store is PostgreSQL: a restarted issuer still knows its tokens and consents.</summary>
public sealed class PersistentStoreTests : IAsyncLifetime
{
    private IssuerDatabase _database = null!;
    private string _keyDirectory = null!;

    public async Task InitializeAsync()
    {
        _database = await IssuerDatabase.NewAsync();
        _keyDirectory = DevIssuerHost.NewTempDirectory();
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        Directory.Delete(_keyDirectory, recursive: true);
    }

    // A restarted issuer has the same identifier; test hosts get a new port each time, so the identifier is configured.
    private DevIssuerHost NewIssuer() => DevIssuerHost.With(
        new Dictionary<string, string?>
        {
            ["ConnectionStrings:DevIssuer"] = _database.ConnectionString,
            ["DevIssuer:Issuer"] = "http://dev-issuer.test/",
        },
        keyDirectory: _keyDirectory);

    [Fact]
    public async Task AfterARestart_ARefreshTokenStillWorks()
    {
        string refreshToken;
        await using (var before = NewIssuer())
        {
            refreshToken = (await before.SignInAndGetTokensAsync(Client.PhotoPrint, "bob")).RefreshToken!;
        }

        await using var after = NewIssuer();
        using var tokens = after.NewTokenClient();
        var refreshed = (await tokens.RefreshAsync(Client.PhotoPrint, refreshToken)).EnsureTokens();

        Assert.Equal("bob", Jwt.Decode(refreshed.AccessToken!).Claim("sub"));
    }

    [Fact]
    public async Task AfterARestart_ARefreshTokenAlreadyUsedIsStillRefused()
    {
        string spent;
        await using (var before = NewIssuer())
        {
            spent = (await before.SignInAndGetTokensAsync(Client.PhotoPrint)).RefreshToken!;
            using var tokens = before.NewTokenClient();
            (await tokens.RefreshAsync(Client.PhotoPrint, spent)).EnsureTokens();
        }

        await using var after = NewIssuer();
        using var again = after.NewTokenClient();
        var replay = await again.RefreshAsync(Client.PhotoPrint, spent);

        replay.AssertError(HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task AfterARestart_ARememberedConsentStillHolds()
    {
        await using (var before = NewIssuer())
        {
            using var browser = before.NewBrowser();
            await browser.AuthorizeAsync(AuthorizationRequest.For(Client.PhotoPrint), remember: true);
        }

        await using var after = NewIssuer();
        using var again = after.NewBrowser();
        var login = await again.FollowAsync(await again.OpenAsync(AuthorizationRequest.For(Client.PhotoPrint).ToUrl()));
        var redirect = await again.FollowAsync(await again.SignInAsync(login, "alice"));

        Assert.True(redirect.RedirectParameters().ContainsKey("code"), $"Expected a code without the consent page, got {redirect.Html}");
    }
}
