using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using PhotoApi.Auth;
using PhotoApi.Auth.Introspection;
using PhotoApi.Benchmarks.Infrastructure;

namespace PhotoApi.Benchmarks.Micro;

/// <summary>
/// The real <see cref="AccessTokenValidator"/> (the API's JwtBearer token handler) with keys fetched over HTTP from a
/// loopback issuer. "Uncached" is the same validator with <c>Auth:TokenCache:Enabled=false</c>, presenting the same token:
/// every call does the full parse, allowlist, duplicate-member, key lookup, signature and claim checks, and builds the identity.
/// Disabling the cache (rather than minting a fresh token per call) keeps token signing out of the measured loop.
/// </summary>
[MemoryDiagnoser]
public class TokenValidationBenchmarks
{
    private static readonly TokenValidationParameters Ignored = new();

    private LoopbackIssuer _issuer = null!;
    private ServiceProvider _services = null!;
    private AccessTokenValidator _uncached = null!;
    private AccessTokenValidator _cached = null!;
    private string _token = null!;

    [Params("RS256", "PS256", "ES256")]
    public string Algorithm { get; set; } = "RS256";

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _issuer = await LoopbackIssuer.StartAsync();
        _token = _issuer.Mint("bench-user", "photos.read photos.write", Algorithm);
        _services = new ServiceCollection().AddLogging().AddHttpClient().BuildServiceProvider();
        _uncached = await CreateValidatorAsync(cacheEnabled: false);
        _cached = await CreateValidatorAsync(cacheEnabled: true);
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _services.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    [Benchmark(Baseline = true)]
    public Task<TokenValidationResult> Uncached() => _uncached.ValidateTokenAsync(_token, Ignored);

    [Benchmark]
    public Task<TokenValidationResult> Cached() => _cached.ValidateTokenAsync(_token, Ignored);

    private async Task<AccessTokenValidator> CreateValidatorAsync(bool cacheEnabled)
    {
        var options = Options.Create(new AuthOptions
        {
            Authority = _issuer.Authority,
            RequireHttpsMetadata = false,
            ValidAlgorithms = AuthOptions.DefaultAlgorithms,
            TokenCache = new TokenCacheOptions { Enabled = cacheEnabled },
        });
        AuthOptionsValidation.FoldSingleIssuer(options.Value); // as the API's PostConfigure does
        var loggers = _services.GetRequiredService<ILoggerFactory>();
        var issuers = new TrustedIssuers(options, _services.GetRequiredService<IHttpClientFactory>(), TimeProvider.System, loggers);
        var introspector = new TokenIntrospector(issuers, new IntrospectionCache(options, TimeProvider.System), options, TimeProvider.System, loggers.CreateLogger<TokenIntrospector>());
        var validator = new AccessTokenValidator(issuers, new ValidatedTokenCache(options, TimeProvider.System), options, TimeProvider.System, loggers.CreateLogger<AccessTokenValidator>(), introspector);

        // The first call fetches discovery + JWKS (and fills the cache when it is on); it must succeed or the numbers mean nothing.
        var first = await validator.ValidateTokenAsync(_token, Ignored);
        if (!first.IsValid)
        {
            throw new InvalidOperationException($"The {Algorithm} token was refused: {first.Exception?.Message}");
        }
        return validator;
    }
}
