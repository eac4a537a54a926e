using PhotoApi.Auth.Introspection;

namespace PhotoApi.Benchmarks.Micro;

/// <summary>
/// What an opaque token costs next to a JWT, through the real <see cref="AccessTokenValidator"/> in one run: a JWT validated
/// locally (ES256, the dev issuer's algorithm; cache off, and cache on), an opaque token whose introspection answer is
/// cached, and one introspected every time (cache lifetime zero) over HTTP at a loopback issuer, with the shipped client
/// authentication (client_secret_basic) and answer checks. The uncached figure is mostly the loopback HTTP round trip.
/// </summary>
[MemoryDiagnoser]
public class IntrospectionBenchmarks : ValidatorBenchmarks
{
    private AccessTokenValidator _jwtUncached = null!;
    private AccessTokenValidator _cached = null!;
    private AccessTokenValidator _uncached = null!;
    private string _jwt = null!;
    private string _opaque = null!;

    protected override async Task PrepareAsync()
    {
        _jwt = Issuer.Mint("bench-user", "ES256");
        _opaque = Issuer.MintOpaque("bench-user");
        _jwtUncached = await CreateAsync(jwtCache: false, introspectionLifetime: TimeSpan.FromMinutes(1), _jwt);
        _cached = await CreateAsync(jwtCache: true, introspectionLifetime: TimeSpan.FromMinutes(1), _opaque);
        _uncached = await CreateAsync(jwtCache: true, introspectionLifetime: TimeSpan.Zero, _opaque);
    }

    [Benchmark(Baseline = true, Description = "JWT, local validation (ES256, no cache)")]
    public Task<TokenValidationResult> LocalJwt() => _jwtUncached.ValidateTokenAsync(_jwt, Ignored);

    [Benchmark(Description = "JWT, validated-token cache hit")]
    public Task<TokenValidationResult> LocalJwtCached() => _cached.ValidateTokenAsync(_jwt, Ignored);

    [Benchmark(Description = "Opaque, introspection cache hit")]
    public Task<TokenValidationResult> IntrospectionCached() => _cached.ValidateTokenAsync(_opaque, Ignored);

    [Benchmark(Description = "Opaque, introspected (loopback HTTP)")]
    public Task<TokenValidationResult> IntrospectionUncached() => _uncached.ValidateTokenAsync(_opaque, Ignored);

    private Task<AccessTokenValidator> CreateAsync(bool jwtCache, TimeSpan introspectionLifetime, string warmUp) =>
        CreateValidatorAsync(new AuthOptions
        {
            TokenCache = new TokenCacheOptions { Enabled = jwtCache },
            Introspection = new IssuerIntrospectionOptions { ClientId = "photo-api", ClientSecret = "photo-api-secret" },
            IntrospectionCache = new IntrospectionCacheOptions { MaxLifetime = introspectionLifetime },
            // The budget is a safety limit, not what is measured here.
            IntrospectionCalls = new IntrospectionCallOptions { PermitsPerSecond = 1_000_000, Burst = 1_000_000 },
        }, _jwt, warmUp);
}
