namespace PhotoApi.Benchmarks.Micro;

/// <summary>
/// The real <see cref="AccessTokenValidator"/> (the API's JwtBearer token handler) with keys fetched over HTTP from a
/// loopback issuer. "Uncached" is the same validator with <c>Auth:TokenCache:Enabled=false</c>, presenting the same token:
/// every call does the full parse, allowlist, duplicate-member, key lookup, signature and claim checks, and builds the identity.
/// Disabling the cache (rather than minting a fresh token per call) keeps token signing out of the measured loop.
/// </summary>
[MemoryDiagnoser]
public class TokenValidationBenchmarks : ValidatorBenchmarks
{
    private AccessTokenValidator _uncached = null!;
    private AccessTokenValidator _cached = null!;
    private string _token = null!;

    [Params("RS256", "PS256", "ES256")]
    public string Algorithm { get; set; } = "RS256";

    protected override async Task PrepareAsync()
    {
        _token = Issuer.Mint("bench-user", Algorithm);
        _uncached = await CreateValidatorAsync(new AuthOptions { TokenCache = new TokenCacheOptions { Enabled = false } }, _token);
        _cached = await CreateValidatorAsync(new AuthOptions { TokenCache = new TokenCacheOptions { Enabled = true } }, _token);
    }

    [Benchmark(Baseline = true)]
    public Task<TokenValidationResult> Uncached() => _uncached.ValidateTokenAsync(_token, Ignored);

    [Benchmark]
    public Task<TokenValidationResult> Cached() => _cached.ValidateTokenAsync(_token, Ignored);
}
