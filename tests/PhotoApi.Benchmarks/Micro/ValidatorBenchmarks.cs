using PhotoApi.Auth.Introspection;

namespace PhotoApi.Benchmarks.Micro;

/// <summary>
/// What the token-validation benchmarks share: the loopback issuer, and the real <see cref="AccessTokenValidator"/> built the
/// way the API builds it (trusted issuers over HTTP, validated-token cache, introspector) from the options a benchmark sets.
/// </summary>
public abstract class ValidatorBenchmarks
{
    /// <summary>The validator ignores JwtBearer's parameters: the trusted issuers supply them.</summary>
    protected static readonly TokenValidationParameters Ignored = new();

    private ServiceProvider _services = null!;

    protected TestIssuer Issuer { get; private set; } = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        Issuer = await BenchIssuer.StartAsync();
        _services = new ServiceCollection().AddLogging().AddHttpClient().BuildServiceProvider();
        await PrepareAsync();
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _services.DisposeAsync();
        await Issuer.DisposeAsync();
    }

    /// <summary>Mints the tokens and builds the validators the benchmarks measure.</summary>
    protected abstract Task PrepareAsync();

    /// <summary>A validator trusting <see cref="Issuer"/> with <paramref name="auth"/>; each of <paramref name="warmUp"/> must pass a first time (it fetches the keys and fills the caches).</summary>
    protected async Task<AccessTokenValidator> CreateValidatorAsync(AuthOptions auth, params string[] warmUp)
    {
        auth.Authority = Issuer.Authority;
        auth.RequireHttpsMetadata = false;
        auth.ValidAlgorithms = AuthOptions.DefaultAlgorithms;
        var options = Options.Create(auth);
        AuthOptionsValidation.FoldSingleIssuer(options.Value); // as the API's PostConfigure does
        var loggers = _services.GetRequiredService<ILoggerFactory>();
        var issuers = new TrustedIssuers(options, _services.GetRequiredService<IHttpClientFactory>(), TimeProvider.System, loggers);
        var introspector = new TokenIntrospector(issuers, new IntrospectionCache(options, TimeProvider.System), options, TimeProvider.System, loggers.CreateLogger<TokenIntrospector>());
        var validator = new AccessTokenValidator(issuers, new ValidatedTokenCache(options, TimeProvider.System), options, TimeProvider.System,
            loggers.CreateLogger<AccessTokenValidator>(), introspector);
        foreach (var token in warmUp)
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
