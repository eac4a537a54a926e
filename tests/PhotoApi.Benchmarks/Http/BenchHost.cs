using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using PhotoApi.Photos;
using PhotoApi.Users;

namespace PhotoApi.Benchmarks.Http;

/// <summary>
/// The benchmark host for scenarios A–E: its own process running the real API (Program, on Kestrel, with the shipped
/// appsettings.json and the Production environment, trusting the suite's loopback issuer through discovery + JWKS) plus,
/// only here, the anonymous baseline endpoint of scenario B. It prints READY and the API's URL, and stops when its
/// standard input closes. The peer comparisons run the published PhotoApi itself (PeerScenarios).
/// </summary>
public static class BenchHost
{
    public const string ReadyLine = "BENCH-HOST-READY";

    public static async Task<int> RunAsync(IReadOnlyDictionary<string, string> options)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Auth:Authority"] = options["issuer"],
            ["Auth:RequireHttpsMetadata"] = "false",
            ["ConnectionStrings:Photos"] = options["connection"],
            ["Paging:TokenKey"] = options["paging-key"],
            // The per-caller limiter stays in the pipeline (its cost is measured) but must not throttle the load generator.
            ["RateLimits:PermitsPerWindow"] = "1000000000",
            ["RateLimits:AnonymousPermitsPerWindow"] = "1000000000",
            ["RateLimits:AddressPermitsPerWindow"] = "1000000000",
            // Scenario D downloads one user's image over every connection: the per-user and overall transfer budgets stay in the
            // pipeline (their cost is measured) but sized so they do not refuse the load generator.
            ["Limits:TransfersPerUser"] = "100000",
            ["Limits:MaxConcurrentTransfers"] = "100000",
            ["Auth:ResourceUri"] = $"http://127.0.0.1:{options["port"]}",
            // InProcess (the default) or PostgreSql: scenario F is run with each (scripts/bench.sh --dpop-replay-cache PostgreSql).
            ["Auth:Dpop:ReplayCache"] = options.GetValueOrDefault("dpop-replay-cache") ?? "InProcess",
        };
        // The host's own folder is the content root (WebApplicationFactory would guess a source folder): it holds the API's
        // appsettings.json, copied from src/PhotoApi by the build, so the log levels are the shipped ones.
        Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_PHOTOAPI", AppContext.BaseDirectory);
        if (!File.Exists(Path.Combine(AppContext.BaseDirectory, "appsettings.json")))
        {
            throw new BenchmarkFailedException("The benchmark host has no appsettings.json beside it: the shipped log levels would be missing.");
        }
        await using var api = new BenchApiFactory(settings, int.Parse(options["port"], System.Globalization.CultureInfo.InvariantCulture));
        api.StartServer();
        var address = api.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Console.WriteLine($"{ReadyLine} {address} pid={Environment.ProcessId}");

        // The suite closes our standard input to stop us.
        while (await Console.In.ReadLineAsync() is not null)
        {
        }
        return 0;
    }

    private sealed class BenchApiFactory : WebApplicationFactory<Program>
    {
        private readonly Dictionary<string, string?> _settings;

        public BenchApiFactory(Dictionary<string, string?> settings, int port)
        {
            _settings = settings;
            UseKestrel(port);
        }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Production");
            foreach (var (key, value) in _settings)
            {
                builder.UseSetting(key, value);
            }
            builder.ConfigureServices(services => services.AddSingleton<IStartupFilter>(new BenchEndpoints()));
        }
    }

    /// <summary>Endpoints only the benchmark host has, in front of the API's own pipeline.</summary>
    private sealed class BenchEndpoints : IStartupFilter
    {
        private AuthorizationPolicy? _policy;

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.UseRouting();
            app.UseEndpoints(endpoints =>
            {
                // Scenario B, the baseline: GetPhoto's own handler and store call for a user named in the URL, with no
                // authentication, authorization or user provisioning in front of it.
                endpoints.MapGet("/bench/photos/{userId:guid}/{id}", (Guid userId, string id, HttpResponse response, PhotoStore store, CancellationToken cancellationToken) =>
                {
                    var user = new CurrentUser();
                    user.Set(userId);
                    return PhotosApi.GetPhoto(id, response, user, store, cancellationToken);
                });
                // The breakdown of A's extra cost: B plus the API's own authentication (JwtBearer + AccessTokenValidator), the
                // authorization policies of GET /v1/photos/{id} and user provisioning, called in the handler, without the
                // rest of the API's pipeline (its middlewares, endpoint filter and result handlers).
                endpoints.MapGet("/bench/auth/photos/{id}", async (string id, HttpContext context, IAuthorizationService authorization,
                    IAuthorizationPolicyProvider policies, UserDirectory users, PhotoStore store, CancellationToken cancellationToken) =>
                {
                    var authentication = await context.AuthenticateAsync();
                    _policy ??= await AuthorizationPolicy.CombineAsync(policies,
                        [new AuthorizeAttribute(UserTokenRequirement.Policy), new AuthorizeAttribute(Scopes.Policy(Scopes.PhotosRead))]);
                    if (authentication.Principal is not { } principal || !(await authorization.AuthorizeAsync(principal, null, _policy!)).Succeeded)
                    {
                        return Results.Unauthorized();
                    }
                    var user = new CurrentUser();
                    var identity = (AccessTokenIdentity)principal.Identity!;
                    user.Set(await users.ResolveAsync(identity, cancellationToken), identity);
                    return await PhotosApi.GetPhoto(id, context.Response, user, store, cancellationToken);
                });
                // Proof that responses are written by the source-generated context rather than reflection.
                endpoints.MapGet("/bench/json-resolver", (IOptions<JsonOptions> json) =>
                    json.Value.SerializerOptions.GetTypeInfo(typeof(PhotoResponse)).OriginatingResolver?.GetType().FullName ?? "none");
            });
            next(app);
        };
    }
}
