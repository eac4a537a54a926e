using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace PhotoApi.Testing;

/// <summary>
/// The real API (Program) on real Kestrel, trusting a <see cref="TestIssuer"/> over HTTP exactly as it would trust a
/// production issuer, on its own fresh database.
/// </summary>
public sealed class PhotoApiFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;
    private readonly TimeProvider? _time;

    /// <param name="authority">The single trusted issuer, or null when <paramref name="settings"/> configure Auth:Issuers.</param>
    /// <param name="port">A fixed port (when another party, like an issuer's redirect URI, must know it in advance), or 0.</param>
    /// <param name="time">The clock the API runs on (a FakeTimeProvider where a test must let time pass); the system clock when null.</param>
    public PhotoApiFactory(string? authority, string connectionString, IDictionary<string, string?>? settings = null, int port = 0, TimeProvider? time = null)
    {
        _time = time;
        _settings = new Dictionary<string, string?>
        {
            ["Auth:Authority"] = authority,
            ["Auth:RequireHttpsMetadata"] = "false",
            ["ConnectionStrings:Photos"] = connectionString,
            ["Paging:TokenKey"] = Convert.ToBase64String(new byte[32]),
            // Tests send many requests from one address; the rate-limit tests set their own limits.
            ["RateLimits:PermitsPerWindow"] = "1000000",
            ["RateLimits:AnonymousPermitsPerWindow"] = "1000000",
            ["RateLimits:AddressPermitsPerWindow"] = "1000000",
            // Required outside Development; with a random port it is set to the real address once Kestrel listens (BaseAddress).
            ["Auth:ResourceUri"] = port == 0 ? UnknownAddress : $"http://127.0.0.1:{port}",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
        // Endpoints set on Kestrel, not UseKestrel(port): that overload edits the server addresses after build and races with
        // Kestrel binding them (dotnet/aspnetcore#67714: "Addresses cannot be modified after the server has started").
        UseKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, port));
    }

    // Ports picked in advance would race with every other server the suite starts; the real one is known after start.
    private const string UnknownAddress = "http://127.0.0.1";

    /// <summary>Where Kestrel listens (a random loopback port).</summary>
    public Uri BaseAddress
    {
        get
        {
            StartServer();
            var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
            var address = new Uri(addresses.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("localhost", "127.0.0.1", StringComparison.Ordinal));
            var auth = Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<PhotoApi.Auth.AuthOptions>>().Value;
            if (auth.ResourceUri == UnknownAddress)
            {
                auth.ResourceUri = address.ToString().TrimEnd('/');
            }
            return address;
        }
    }

    /// <summary>Extra logging setup (e.g. a capturing provider); set before the server starts.</summary>
    public Action<Microsoft.Extensions.Logging.ILoggingBuilder>? ConfigureLogging { get; set; }

    /// <summary>Services to replace (e.g. a fake clock for one component); set before the server starts.</summary>
    public Action<IServiceCollection>? ConfigureServices { get; set; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        if (ConfigureLogging is { } configureLogging)
        {
            builder.ConfigureLogging(configureLogging);
        }
        if (ConfigureServices is { } configureServices)
        {
            builder.ConfigureServices(configureServices);
        }
        foreach (var (key, value) in _settings.Where(s => s.Value is not null))
        {
            builder.UseSetting(key, value);
        }
        if (_time is { } time)
        {
            builder.ConfigureTestServices(services => services.Replace(ServiceDescriptor.Singleton(time)));
        }
    }

    /// <summary>A client that sends no token.</summary>
    public HttpClient Anonymous() => new(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = BaseAddress };

    /// <summary>A client that sends <paramref name="token"/> as a Bearer token on every request.</summary>
    public HttpClient WithToken(string token)
    {
        var client = Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }
}
