using Microsoft.Extensions.Time.Testing;

namespace PhotoApi.Tests.Auth;

/// <summary>
/// The validated-token cache when more tokens are in use than it holds (Auth__TokenCache__MaxEntries, here 2): it keeps
/// the tokens it has and admits new ones only as old entries expire (the shipped 5 minutes), instead of evicting on every
/// miss. Seen through the <c>photoapi.auth.token_validations</c> counter (outcome cached or validated); a fake clock lets time pass.
/// </summary>
public sealed class TokenCacheAdmissionTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private OwnApi _own = null!;
    private TokenValidationOutcomes _outcomes = null!;

    public async Task InitializeAsync()
    {
        _own = await OwnApi.CreateAsync(new Dictionary<string, string?> { ["Auth:TokenCache:MaxEntries"] = "2" }, time: _time);
        _outcomes = new TokenValidationOutcomes(_own.Issuer.Authority);
    }

    public async Task DisposeAsync()
    {
        _outcomes.Dispose();
        await _own.DisposeAsync();
    }

    private string Token(string user) => _own.Issuer.Token(ApiFixture.NewSubject(user), lifetime: TimeSpan.FromHours(3));

    private async Task GetPhotosAsync(string token) =>
        Assert.Equal(HttpStatusCode.OK, (await _own.Api.WithToken(token).GetAsync("/v1/photos")).StatusCode);

    [Fact]
    public async Task FullCache_KeepsItsTokens_AndAdmitsANewOneOnlyOnceOldEntriesExpire()
    {
        string alice = Token("alice"), bob = Token("bob"), carol = Token("carol");
        await GetPhotosAsync(alice);
        await GetPhotosAsync(bob);
        await GetPhotosAsync(carol);

        await GetPhotosAsync(alice);
        await GetPhotosAsync(carol);

        _time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        await GetPhotosAsync(carol);
        await GetPhotosAsync(carol);

        Assert.Equal(["validated", "validated", "validated", "cached", "validated", "validated", "cached"], _outcomes.ToArray());
    }
}
