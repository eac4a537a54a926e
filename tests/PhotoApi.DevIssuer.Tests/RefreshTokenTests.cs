namespace PhotoApi.DevIssuer.Tests;

public sealed class RefreshTokenTests(DevIssuerHost host) : IClassFixture<DevIssuerHost>
{
    [Fact]
    public async Task Refresh_ReturnsNewAccessAndRefreshTokens()
    {
        var first = await host.SignInAndGetTokensAsync(Client.PhotoPrint);
        using var tokens = host.NewTokenClient();

        var second = await tokens.RefreshAsync(Client.PhotoPrint, first.RefreshToken!);

        Assert.Equal(HttpStatusCode.OK, second.Status);
        Assert.NotNull(second.RefreshToken);
        Assert.NotEqual(first.RefreshToken, second.RefreshToken);
        Assert.NotEqual(first.AccessToken, second.AccessToken);
    }

    [Fact]
    public async Task RefreshedAccessToken_KeepsTheUserAndHowTheySignedIn()
    {
        var first = await host.SignInAndGetTokensAsync(Client.PhotoPrint, "bob", secondFactor: true);
        using var tokens = host.NewTokenClient();

        var second = (await tokens.RefreshAsync(Client.PhotoPrint, first.RefreshToken!)).EnsureTokens();

        var before = Jwt.Decode(first.AccessToken!);
        var after = Jwt.Decode(second.AccessToken!);
        Assert.Equal("bob", after.Claim("sub"));
        Assert.Equal("Bob Example", after.Claim("name"));
        Assert.Equal(before.Claim("scope"), after.Claim("scope"));
        Assert.Equal(before.NumericClaim("auth_time"), after.NumericClaim("auth_time"));
        Assert.Equal("urn:photoapi:acr:mfa", after.Claim("acr"));
    }

    [Fact]
    public async Task UsedRefreshToken_IsRefused()
    {
        var first = await host.SignInAndGetTokensAsync(Client.PhotoPrint);
        using var tokens = host.NewTokenClient();
        (await tokens.RefreshAsync(Client.PhotoPrint, first.RefreshToken!)).EnsureTokens();

        var reuse = await tokens.RefreshAsync(Client.PhotoPrint, first.RefreshToken!);

        reuse.AssertError(HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task ReusingARotatedRefreshToken_RevokesTheWholeChain()
    {
        var first = await host.SignInAndGetTokensAsync(Client.PhotoPrint);
        using var tokens = host.NewTokenClient();
        var second = (await tokens.RefreshAsync(Client.PhotoPrint, first.RefreshToken!)).EnsureTokens();

        await tokens.RefreshAsync(Client.PhotoPrint, first.RefreshToken!); // An attacker replays the stolen, rotated token.

        var newest = await tokens.RefreshAsync(Client.PhotoPrint, second.RefreshToken!);
        newest.AssertError(HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task ReusingARotatedRefreshToken_RevokesTheNewestAccessToken()
    {
        var first = await host.SignInAndGetTokensAsync(Client.PhotoPrint);
        using var tokens = host.NewTokenClient();
        var second = (await tokens.RefreshAsync(Client.PhotoPrint, first.RefreshToken!)).EnsureTokens();

        await tokens.RefreshAsync(Client.PhotoPrint, first.RefreshToken!);

        var introspection = await tokens.IntrospectAsync(Client.PhotoPrint, second.AccessToken!);
        Assert.False(introspection.Body.GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task RevokedRefreshToken_IsRefused()
    {
        var first = await host.SignInAndGetTokensAsync(Client.PhotoPrint);
        using var tokens = host.NewTokenClient();

        var revocation = await tokens.RevokeAsync(Client.PhotoPrint, first.RefreshToken!);

        Assert.Equal(HttpStatusCode.OK, revocation.Status);
        var refresh = await tokens.RefreshAsync(Client.PhotoPrint, first.RefreshToken!);
        refresh.AssertError(HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task PublicClient_CanRevokeItsOwnRefreshToken()
    {
        var first = await host.SignInAndGetTokensAsync(Client.Swagger);
        using var tokens = host.NewTokenClient();

        var revocation = await tokens.RevokeAsync(Client.Swagger, first.RefreshToken!);

        Assert.Equal(HttpStatusCode.OK, revocation.Status);
        Assert.Equal("invalid_grant", (await tokens.RefreshAsync(Client.Swagger, first.RefreshToken!)).Error);
    }

    [Fact]
    public async Task RefreshToken_OfAnotherClient_IsRefused()
    {
        var issuedToSwagger = await host.SignInAndGetTokensAsync(Client.Swagger);
        using var tokens = host.NewTokenClient();

        var refresh = await tokens.RefreshAsync(Client.PhotoPrint, issuedToSwagger.RefreshToken!);

        refresh.AssertError(HttpStatusCode.BadRequest, "invalid_grant");
    }
}
