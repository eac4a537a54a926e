using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace PhotoApi.DevIssuer.Tests.Infrastructure;

/// <summary>
/// The real dev issuer on real Kestrel (an ephemeral loopback port), with its signing key in a
/// temporary folder, so redirects, cookies and HTTP are what a browser or the API would see.
/// </summary>
public sealed class IssuerHost : WebApplicationFactory<DevIssuerProgram>
{
    /// <summary>A redirect URI the tests add to the swagger client through configuration, as the lead's tests will.</summary>
    public const string SwaggerTestRedirectUri = "http://127.0.0.1:9/swagger/oauth2-redirect.html";

    private readonly Dictionary<string, string?> _settings;
    private readonly bool _ownsKeyDirectory;
    private readonly TimeProvider? _time;

    public IssuerHost()
        : this(keyDirectory: null, settings: null, time: null)
    {
    }

    private IssuerHost(string? keyDirectory, IDictionary<string, string?>? settings, TimeProvider? time)
    {
        _time = time;
        _ownsKeyDirectory = keyDirectory is null;
        KeyDirectory = keyDirectory ?? NewTempDirectory();
        _settings = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>());
        // Endpoints set on Kestrel, not UseKestrel(port): that overload edits the server addresses after build and races with
        // Kestrel binding them (dotnet/aspnetcore#67714: "Addresses cannot be modified after the server has started").
        UseKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, 0));
    }

    public string KeyDirectory { get; }

    /// <summary>A host with extra configuration (e.g. <c>DevIssuer:Issuer</c>) and, optionally, a key folder shared with another host.</summary>
    public static IssuerHost With(IDictionary<string, string?>? settings = null, string? keyDirectory = null, TimeProvider? time = null) =>
        new(keyDirectory, settings, time);

    public Uri BaseAddress => new(Addresses[0].TrimEnd('/') + "/");

    /// <summary>Every address Kestrel actually listens on.</summary>
    public IReadOnlyList<string> Addresses
    {
        get
        {
            StartServer();
            return [.. Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses];
        }
    }

    /// <summary>The issuer every token carries when none is configured: the base address, with OpenIddict's trailing slash.</summary>
    public string Issuer => BaseAddress.AbsoluteUri;

    public static string NewTempDirectory()
    {
        var path = Path.Combine(Path.GetTempPath(), "photoapi-devissuer-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    public TestBrowser NewBrowser() => new(BaseAddress);

    public TokenClient NewTokenClient() => new(BaseAddress);

    public HttpClient NewHttpClient() => new() { BaseAddress = BaseAddress };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.UseSetting("DevIssuer:KeyDirectory", KeyDirectory);
        builder.UseSetting("DevIssuer:Clients:1:RedirectUris:1", SwaggerTestRedirectUri);
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        if (_time is not null)
        {
            builder.ConfigureTestServices(services => services.AddSingleton(_time));
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_ownsKeyDirectory && Directory.Exists(KeyDirectory))
        {
            Directory.Delete(KeyDirectory, recursive: true);
        }
    }
}
