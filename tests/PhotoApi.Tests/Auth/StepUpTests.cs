namespace PhotoApi.Tests.Auth;

/// <summary>
/// RFC 9470 step-up: deleting needs a sign-in at most 5 minutes old with a second factor. A token that falls short gets
/// 401 insufficient_user_authentication telling the client what to ask the authorization server for.
/// </summary>
public sealed class StepUpTests : IAsyncLifetime
{
    private const string Mfa = "urn:photoapi:acr:mfa";

    private OwnApi _own = null!;

    public async Task InitializeAsync()
    {
        _own = await OwnApi.CreateAsync(new Dictionary<string, string?>
        {
            ["Auth:StepUp:MaxAge"] = "00:05:00",
            ["Auth:StepUp:AcrValues"] = Mfa,
        });
    }

    public async Task DisposeAsync() => await _own.DisposeAsync();

    private HttpClient User(string subject, long? authTime, string? acr) =>
        _own.Api.WithToken(_own.Issuer.Token(subject, "photos.read photos.write", new Dictionary<string, object?> { ["auth_time"] = authTime, ["acr"] = acr }));

    private static long SecondsAgo(int seconds) => DateTimeOffset.UtcNow.AddSeconds(-seconds).ToUnixTimeSeconds();

    private static async Task<string> CreatePhotoAsync(HttpClient client) =>
        await client.CreatePhotoAsync("to delete");

    [Fact]
    public async Task FreshStrongSignIn_CanDelete()
    {
        var client = User(ApiFixture.NewSubject("alice"), SecondsAgo(30), Mfa);
        var id = await CreatePhotoAsync(client);

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/v1/photos/{id}")).StatusCode);
    }

    [Fact]
    public async Task StaleSignIn_Gets401InsufficientUserAuthenticationWithMaxAge()
    {
        var subject = ApiFixture.NewSubject("alice");
        var id = await CreatePhotoAsync(User(subject, SecondsAgo(30), Mfa));

        var response = await User(subject, SecondsAgo(3600), Mfa).DeleteAsync($"/v1/photos/{id}");

        await HttpAssert.Problem(response, HttpStatusCode.Unauthorized);
        var metadata = $"{_own.Api.BaseAddress.ToString().TrimEnd('/')}/.well-known/oauth-protected-resource";
        Assert.Equal(
            [$"Bearer error=\"insufficient_user_authentication\", error_description=\"A more recent sign-in is required for this operation.\", max_age=\"300\", acr_values=\"{Mfa}\", resource_metadata=\"{metadata}\"",
             $"DPoP algs=\"ES256 ES384 ES512 PS256 PS384 PS512 RS256 RS384 RS512\", resource_metadata=\"{metadata}\""],
            response.Headers.GetValues("WWW-Authenticate"));
        Assert.Equal(1L, await _own.Database.ScalarAsync<long>("SELECT count(*) FROM photos WHERE id = @id", ("id", Guid.Parse(id))));
    }

    [Fact]
    public async Task WeakerSignIn_Gets401AskingForTheAcr()
    {
        var subject = ApiFixture.NewSubject("alice");
        var id = await CreatePhotoAsync(User(subject, SecondsAgo(10), Mfa));

        var response = await User(subject, SecondsAgo(10), "urn:photoapi:acr:pwd").DeleteAsync($"/v1/photos/{id}");

        var challenge = HttpAssert.BearerChallenge(response);
        Assert.Equal("insufficient_user_authentication", challenge["error"]);
        Assert.Equal("A stronger sign-in is required for this operation.", challenge["error_description"]);
        Assert.Equal(Mfa, challenge["acr_values"]);
    }

    [Fact]
    public async Task TokenWithoutAuthTimeOrAcr_CannotDeleteAnAlbum()
    {
        var client = User(ApiFixture.NewSubject("alice"), null, null);
        var album = await client.CreateAlbumAsync("keep");

        var response = await client.DeleteAsync($"/v1/albums/{album}");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("A more recent and stronger sign-in is required for this operation.", HttpAssert.BearerChallenge(response)["error_description"]);
    }

    [Fact]
    public async Task ReplacingContent_IsDestructive_AndNeedsAFreshStrongSignIn()
    {
        var subject = ApiFixture.NewSubject("alice");
        var strong = User(subject, SecondsAgo(30), Mfa);
        var id = await CreatePhotoAsync(strong);
        var original = Images.Png(512, seed: 7);
        Assert.Equal(HttpStatusCode.Created, (await strong.PutAsync($"/v1/photos/{id}/content", Images.Content(original, "image/png"))).StatusCode);

        var response = await User(subject, SecondsAgo(3600), Mfa).PutAsync($"/v1/photos/{id}/content", Images.Content(Images.Png(512, seed: 8), "image/png"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("insufficient_user_authentication", HttpAssert.BearerChallenge(response)["error"]);
        var kept = await strong.GetAsync($"/v1/photos/{id}/content");
        Assert.Equal(original, await kept.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task StepUp_DoesNotApplyToReadsAndNonDestructiveWrites()
    {
        var client = User(ApiFixture.NewSubject("alice"), SecondsAgo(86_400), null);
        var id = await CreatePhotoAsync(client);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/v1/photos/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PatchAsJsonAsync($"/v1/photos/{id}", new { title = "renamed" })).StatusCode);
    }

    [Fact]
    public async Task DevIssuerTokens_CarryAcrAndAuthTime_SoStepUpCanBeTriedLocally()
    {
        await using var devIssuer = new DevIssuerHost();
        await using var api = new PhotoApiFactory(devIssuer.BaseAddress.AbsoluteUri, _own.Database.ConnectionString, new Dictionary<string, string?>
        {
            ["Auth:StepUp:MaxAge"] = "00:05:00",
            ["Auth:StepUp:AcrValues"] = Mfa,
        });
        using var issuerClient = new HttpClient { BaseAddress = devIssuer.BaseAddress };
        async Task<HttpClient> TokenAsync(string acr, long authTime)
        {
            var minted = await issuerClient.PostAsJsonAsync("/dev/tokens", new { subject = "alice", scopes = "photos.read photos.write", acr, authTime });
            return api.WithToken((await HttpAssert.Ok<JsonElement>(minted)).GetProperty("access_token").GetString()!);
        }

        var strong = await TokenAsync(Mfa, SecondsAgo(5));
        var id = await CreatePhotoAsync(strong);
        var weak = await TokenAsync("urn:photoapi:acr:pwd", SecondsAgo(5));

        Assert.Equal(HttpStatusCode.Unauthorized, (await weak.DeleteAsync($"/v1/photos/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await strong.DeleteAsync($"/v1/photos/{id}")).StatusCode);
    }
}
