using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using PhotoApi.Auth;
using PhotoApi.Auth.Introspection;
using PhotoApi.Benchmarks.Infrastructure;

namespace PhotoApi.Benchmarks.Micro;

/// <summary>
/// What an opaque token costs next to a JWT, through the real <see cref="AccessTokenValidator"/> in one run: a JWT validated
/// locally (ES256, the dev issuer's algorithm; cache off, and cache on), an opaque token whose introspection answer is
/// cached, and one introspected every time (cache lifetime zero) over HTTP at a loopback issuer, with the shipped client
/// authentication (client_secret_basic) and answer checks. The uncached figure is mostly the loopback HTTP round trip.
/// </summary>
[MemoryDiagnoser]
public class IntrospectionBenchmarks
{
    private static readonly TokenValidationParameters Ignored = new();

    private LoopbackIssuer _issuer = null!;
    private ServiceProvider _services = null!;
    private AccessTokenValidator _jwtUncached = null!;
    private AccessTokenValidator _cached = null!;
    private AccessTokenValidator _uncached = null!;
    private string _jwt = null!;
    private const string Opaque = "b3BhcXVlLWJlbmNobWFyay10b2tlbi0wMTIzNDU2Nzg5YWJjZGVm";

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _issuer = await LoopbackIssuer.StartAsync();
        _jwt = _issuer.Mint("bench-user", "photos.read photos.write", "ES256");
        _services = new ServiceCollection().AddLogging().AddHttpClient().BuildServiceProvider();
        _jwtUncached = await CreateAsync(jwtCache: false, introspectionLifetime: TimeSpan.FromMinutes(1), _jwt);
        _cached = await CreateAsync(jwtCache: true, introspectionLifetime: TimeSpan.FromMinutes(1), Opaque);
        _uncached = await CreateAsync(jwtCache: true, introspectionLifetime: TimeSpan.Zero, Opaque);
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _services.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    [Benchmark(Baseline = true, Description = "JWT, local validation (ES256, no cache)")]
    public Task<TokenValidationResult> LocalJwt() => _jwtUncached.ValidateTokenAsync(_jwt, Ignored);

    [Benchmark(Description = "JWT, validated-token cache hit")]
    public Task<TokenValidationResult> LocalJwtCached() => _cached.ValidateTokenAsync(_jwt, Ignored);

    [Benchmark(Description = "Opaque, introspection cache hit")]
    public Task<TokenValidationResult> IntrospectionCached() => _cached.ValidateTokenAsync(Opaque, Ignored);

    [Benchmark(Description = "Opaque, introspected (loopback HTTP)")]
    public Task<TokenValidationResult> IntrospectionUncached() => _uncached.ValidateTokenAsync(Opaque, Ignored);

    private async Task<AccessTokenValidator> CreateAsync(bool jwtCache, TimeSpan introspectionLifetime, string warmUp)
    {
        var options = Options.Create(new AuthOptions
        {
            Authority = _issuer.Authority,
            RequireHttpsMetadata = false,
            ValidAlgorithms = AuthOptions.DefaultAlgorithms,
            TokenCache = new TokenCacheOptions { Enabled = jwtCache },
            Introspection = new IssuerIntrospectionOptions { ClientId = "photo-api", ClientSecret = "photo-api-secret" },
            IntrospectionCache = new IntrospectionCacheOptions { MaxLifetime = introspectionLifetime },
            // The budget is a safety limit, not what is measured here.
            IntrospectionCalls = new IntrospectionCallOptions { PermitsPerSecond = 1_000_000, Burst = 1_000_000 },
        });
        AuthOptionsValidation.FoldSingleIssuer(options.Value); // as the API's PostConfigure does
        var loggers = _services.GetRequiredService<ILoggerFactory>();
        var issuers = new TrustedIssuers(options, _services.GetRequiredService<IHttpClientFactory>(), TimeProvider.System, loggers);
        var introspector = new TokenIntrospector(issuers, new IntrospectionCache(options, TimeProvider.System), options, TimeProvider.System, loggers.CreateLogger<TokenIntrospector>());
        var validator = new AccessTokenValidator(issuers, new ValidatedTokenCache(options, TimeProvider.System), options, TimeProvider.System,
            loggers.CreateLogger<AccessTokenValidator>(), introspector);
        foreach (var token in new[] { _jwt, warmUp })
        {
            var first = await validator.ValidateTokenAsync(token, Ignored);
            if (!first.IsValid)
            {
                throw new InvalidOperationException($"The benchmark token was refused: {first.Exception?.Message}");
            }
        }
        return validator;
    }
}
