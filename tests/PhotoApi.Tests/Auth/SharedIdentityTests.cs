using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;

namespace PhotoApi.Tests.Auth;

/// <summary>
/// The validated-token cache hands one identity to every request that presents the same token. A claims transformation
/// (a common ASP.NET extension point) must not be able to change it for the next request: the identity refuses edits.
/// </summary>
public sealed class SharedIdentityTests : IAsyncLifetime
{
    private readonly ConcurrentQueue<string> _seen = new();
    private OwnApi _own = null!;

    public async Task InitializeAsync()
    {
        _own = await OwnApi.CreateAsync();
        _own.Api.ConfigureServices = services => services.AddSingleton<IClaimsTransformation>(new GrantingTransformation(_seen));
        _own.Api.StartServer();
    }

    public async Task DisposeAsync() => await _own.DisposeAsync();

    [Fact]
    public async Task ClaimsTransformation_CannotChangeTheCachedIdentity_ForLaterRequests()
    {
        var token = _own.Issuer.Token(ApiFixture.NewSubject("alice"), "photos.read");

        Assert.Equal(HttpStatusCode.OK, (await _own.Api.WithToken(token).GetAsync("/v1/photos")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _own.Api.WithToken(token).GetAsync("/v1/photos")).StatusCode);

        Assert.Equal(["refused", "not present", "refused", "not present"], _seen.ToArray());
    }

    private sealed class GrantingTransformation(ConcurrentQueue<string> seen) : IClaimsTransformation
    {
        public Task<ClaimsPrincipal> TransformAsync(ClaimsPrincipal principal)
        {
            var identity = (ClaimsIdentity)principal.Identity!;
            try
            {
                identity.AddClaim(new Claim("scope", "photos.admin"));
                seen.Enqueue("added");
            }
            catch (InvalidOperationException)
            {
                seen.Enqueue("refused");
            }
            seen.Enqueue(identity.HasClaim("scope", "photos.admin") ? "present" : "not present");
            return Task.FromResult(principal);
        }
    }
}
