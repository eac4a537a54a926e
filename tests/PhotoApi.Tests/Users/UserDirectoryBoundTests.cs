using PhotoApi.Users;

namespace PhotoApi.Tests.Users;

/// <summary>
/// The per-process user directory stays bounded in bytes, not only in entries: a token with an unusually long name or email
/// is served and its profile written each time, but it is not held in memory.
/// </summary>
public sealed class UserDirectoryBoundTests : IAsyncLifetime
{
    private OwnApi _own = null!;

    public async Task InitializeAsync() => _own = await OwnApi.CreateAsync();

    public async Task DisposeAsync() => await _own.DisposeAsync();

    [Fact]
    public async Task ALongNameIsWrittenEachTime_ButNotRemembered_WhileOrdinaryUsersAre()
    {
        var directory = _own.Api.Services.GetRequiredService<UserDirectory>();
        var firstName = new string('a', UserDirectory.MaxRememberedLength + 1);
        var renamed = new string('b', 1000);

        Assert.Equal(HttpStatusCode.OK, (await _own.Api.WithToken(_own.Issuer.Token("long", "photos.read", new Dictionary<string, object?> { ["name"] = firstName })).GetAsync("/v1/photos")).StatusCode);
        Assert.Equal(0, directory.Count);
        Assert.Equal(HttpStatusCode.OK, (await _own.Api.WithToken(_own.Issuer.Token("long", "photos.read", new Dictionary<string, object?> { ["name"] = renamed })).GetAsync("/v1/photos")).StatusCode);
        Assert.Equal(0, directory.Count);
        Assert.Equal(renamed, await _own.Database.ScalarAsync<string>("SELECT display_name FROM users WHERE subject = 'long'"));

        Assert.Equal(HttpStatusCode.OK, (await _own.Api.WithToken(_own.Issuer.Token("short", "photos.read", new Dictionary<string, object?> { ["name"] = "Alice" })).GetAsync("/v1/photos")).StatusCode);
        Assert.Equal(1, directory.Count);
    }
}
