using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Configuration;
using Microsoft.IdentityModel.JsonWebTokens;

namespace PhotoApi.Benchmarks.Micro;

/// <summary>
/// What a DPoP request adds to a Bearer request with a cached token: the proof check of <see cref="DpopProofValidator"/>
/// (parse, strict JSON, public-jwk rules, signature with the proof's own key, htm/htu/iat/ath/jkt). The replay cache is
/// measured on its own (<see cref="DpopReplayCacheBenchmarks"/>), so here it accepts every jti and one proof can be checked
/// again and again; the clock stands still so the proof never gets stale.
/// </summary>
[MemoryDiagnoser]
public class DpopProofBenchmarks
{
    private DpopProofValidator _validator = null!;
    private HttpRequest _request = null!;
    private string _proof = "";
    private string _token = "";
    private string _jkt = "";

    [Params("ES256", "RS256")]
    public string Algorithm { get; set; } = "ES256";

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var now = DateTimeOffset.UtcNow;
        var time = new FixedTime(now);
        var options = Options.Create(new AuthOptions { Dpop = new DpopOptions { Algorithms = DpopOptions.DefaultAlgorithms } });
        _validator = new DpopProofValidator(options, new DpopNonce(options, time), new AcceptEveryJti(), time);

        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        context.Request.Scheme = "https";
        context.Request.Host = new HostString("photos.example");
        context.Request.Path = "/v1/photos";
        _request = context.Request;
        // An access token of a realistic size (~900 characters): ath hashes all of it.
        _token = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(675));

        var key = Algorithm == "ES256" ? DpopKey.EC() : DpopKey.Rsa(Algorithm);
        _jkt = key.Thumbprint;
        _proof = key.Proof("GET", Resource, _token, now);
        if ((await Verify()).Rejection is { } rejection)
        {
            throw new InvalidOperationException($"The {Algorithm} proof was refused: {rejection.Code}");
        }
    }

    [Benchmark]
    public ValueTask<DpopProofResult> Verify() => _validator.ValidateAsync(_proof, _request, _token, _jkt);

    internal static readonly Uri Resource = new("https://photos.example/v1/photos");
}

/// <summary>
/// The in-process replay cache with its shipped bound (200,000 jtis). Hit: a jti seen before (a replay). Miss: a new jti each
/// call, on a clock that moves 1 ms per reading (2 per call), so with the shipped one-minute window the cache runs full and
/// trims expired entries as it would under sustained load (trims included in the mean, and formatting the new 16-character jti).
/// </summary>
[MemoryDiagnoser]
public class DpopReplayCacheBenchmarks
{
    private const string Thumbprint = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private readonly SteppingTime _time = new(DateTimeOffset.UtcNow);
    private InProcessDpopReplayCache _cache = null!;
    private long _next;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _cache = new InProcessDpopReplayCache(Options.Create(new AuthOptions()), _time);
        if (await _cache.TryUseAsync(Thumbprint, "seen", DateTimeOffset.MaxValue) != ReplayCheck.New)
        {
            throw new InvalidOperationException("The first use of a jti was not new.");
        }
    }

    [Benchmark(Description = "Hit (a replayed jti)")]
    public ValueTask<ReplayCheck> Hit() => _cache.TryUseAsync(Thumbprint, "seen", DateTimeOffset.MaxValue);

    [Benchmark(Description = "Miss (a new jti, full cache trimming)")]
    public ValueTask<ReplayCheck> Miss()
    {
        var jti = (++_next).ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
        return _cache.TryUseAsync(Thumbprint, jti, _time.GetUtcNow() + Window);
    }

    private sealed class SteppingTime(DateTimeOffset start) : TimeProvider
    {
        private long _ticks = start.UtcTicks;

        public override DateTimeOffset GetUtcNow() => new(Interlocked.Add(ref _ticks, TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
    }
}

/// <summary>
/// A Bearer and a DPoP request through the API's real JwtBearer authentication (AddPhotoApiAuth), both with a cached RS256
/// access token, in one run: the difference is what DPoP adds end to end (header parsing, the per-request sender check, the
/// ES256 proof). The replay cache accepts every jti and the clock stands still, so one proof can be presented again and again.
/// </summary>
[MemoryDiagnoser]
public class DpopAuthenticationBenchmarks
{
    private TestIssuer _issuer = null!;
    private WebApplication _app = null!;
    private IServiceScopeFactory _scopes = null!;
    private string _bearer = "";
    private string _dpop = "";
    private string _proof = "";

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _issuer = await BenchIssuer.StartAsync();
        var builder = ApiServices.Builder(ApiServices.LoopbackAuth(_issuer.Authority, "https://photos.example"), "Production");
        var now = DateTimeOffset.UtcNow;
        builder.Services.AddSingleton<TimeProvider>(new FixedTime(now));
        builder.Services.AddSingleton<IDpopReplayCache>(new AcceptEveryJti());
        builder.AddPhotoApiAuth();
        _app = builder.Build();
        _scopes = _app.Services.GetRequiredService<IServiceScopeFactory>();

        var key = DpopKey.EC();
        var bound = _issuer.Mint("bench-user", claims: key.Cnf);
        _bearer = $"Bearer {_issuer.Mint("bench-user")}";
        _dpop = $"DPoP {bound}";
        _proof = key.Proof("GET", DpopProofBenchmarks.Resource, bound, now);

        // The first authentications fetch the keys and fill the token cache; both must succeed.
        foreach (var (header, proof) in new[] { (_bearer, (string?)null), (_dpop, _proof) })
        {
            var result = await AuthenticateAsync(header, proof);
            if (!result.Succeeded)
            {
                throw new InvalidOperationException($"{header[..6]} was refused: {result.Failure?.Message}");
            }
        }
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _app.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    [Benchmark(Baseline = true, Description = "Bearer (cached token)")]
    public async Task<bool> Bearer() => (await AuthenticateAsync(_bearer, null)).Succeeded;

    [Benchmark(Description = "DPoP (cached token + ES256 proof, replay cache excluded)")]
    public async Task<bool> Dpop() => (await AuthenticateAsync(_dpop, _proof)).Succeeded;

    private async Task<AuthenticateResult> AuthenticateAsync(string authorization, string? proof)
    {
        using var scope = _scopes.CreateScope();
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        context.Request.Method = "GET";
        context.Request.Scheme = "https";
        context.Request.Host = new HostString("photos.example");
        context.Request.Path = "/v1/photos";
        context.Request.Headers.Authorization = authorization;
        if (proof is not null)
        {
            context.Request.Headers["DPoP"] = proof;
        }
        return await context.AuthenticateAsync();
    }
}

internal sealed class AcceptEveryJti : IDpopReplayCache
{
    public ValueTask<ReplayCheck> TryUseAsync(string thumbprint, string jti, DateTimeOffset expiresUtc) => new(ReplayCheck.New);
}

internal sealed class FixedTime(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
