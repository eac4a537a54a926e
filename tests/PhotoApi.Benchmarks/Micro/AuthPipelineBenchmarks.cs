using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Configuration;

namespace PhotoApi.Benchmarks.Micro;

/// <summary>
/// Where scenario A's extra time goes, stage by stage, with the API's real auth services (AddPhotoApiAuth) and a cached
/// RS256 token: a request scope and HttpContext (what every request, B's too, pays), JwtBearer authentication through
/// <see cref="AccessTokenValidator"/>, and the authorization of GET /v1/photos/{id} (user-token and photos.read policies).
/// </summary>
[MemoryDiagnoser]
public class AuthPipelineBenchmarks
{
    private TestIssuer _issuer = null!;
    private WebApplication _app = null!;
    private IServiceScopeFactory _scopes = null!;
    private IAuthorizationService _authorization = null!;
    private AuthorizationPolicy _policy = null!;
    private ClaimsPrincipal _user = null!;
    private string _header = "";

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _issuer = await BenchIssuer.StartAsync();
        _header = $"Bearer {_issuer.Mint("bench-user")}";
        var builder = ApiServices.Builder(ApiServices.LoopbackAuth(_issuer.Authority), "Production");
        builder.AddPhotoApiAuth();
        _app = builder.Build();
        _scopes = _app.Services.GetRequiredService<IServiceScopeFactory>();
        _authorization = _app.Services.GetRequiredService<IAuthorizationService>();
        // The policy AuthorizationMiddleware combines (and caches) for GET /v1/photos/{id}: the group's user-token policy and photos.read.
        _policy = (await AuthorizationPolicy.CombineAsync(_app.Services.GetRequiredService<IAuthorizationPolicyProvider>(),
            [new AuthorizeAttribute(UserTokenRequirement.Policy), new AuthorizeAttribute(Scopes.Policy(Scopes.PhotosRead))]))!;

        // The first authentication fetches the keys and fills the token cache; it must succeed.
        var result = await AuthenticateAsync();
        _user = result.Principal ?? throw new InvalidOperationException($"The token was refused: {result.Failure?.Message}");
        if (!(await _authorization.AuthorizeAsync(_user, null, _policy)).Succeeded)
        {
            throw new InvalidOperationException("The token does not pass GET /v1/photos/{id}'s policies.");
        }
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _app.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    [Benchmark(Baseline = true, Description = "Request scope + HttpContext (every request)")]
    public int RequestScope()
    {
        using var scope = _scopes.CreateScope();
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        context.Request.Headers.Authorization = _header;
        return context.Request.Headers.Count;
    }

    [Benchmark(Description = "+ JwtBearer authentication (cached token)")]
    public async Task<bool> Authenticate() => (await AuthenticateAsync()).Succeeded;

    [Benchmark(Description = "Authorization of GET /v1/photos/{id}")]
    public async Task<bool> Authorize() => (await _authorization.AuthorizeAsync(_user, null, _policy)).Succeeded;

    private async Task<AuthenticateResult> AuthenticateAsync()
    {
        using var scope = _scopes.CreateScope();
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        context.Request.Headers.Authorization = _header;
        return await context.AuthenticateAsync();
    }
}
