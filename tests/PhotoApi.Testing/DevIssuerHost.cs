using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using PhotoApi.DevIssuer;

namespace PhotoApi.Testing;

/// <summary>
/// The real dev issuer (OpenIddict) on real Kestrel (an ephemeral loopback port unless given fixed URLs), with its
/// signing key in a temporary folder, optionally on a fake clock, so redirects, cookies and HTTP are what a browser or the API would see.
/// </summary>
public sealed class DevIssuerHost : WebApplicationFactory<DevIssuerProgram>
{
    /// <summary>A redirect URI the tests add to the swagger client through configuration.</summary>
    public const string SwaggerTestRedirectUri = "http://127.0.0.1:9/swagger/oauth2-redirect.html";

    private readonly Dictionary<string, string?> _settings;
    private readonly bool _ownsKeyDirectory;
    private readonly TimeProvider? _time;

    public DevIssuerHost()
        : this(settings: null, time: null, keyDirectory: null, urls: null)
    {
    }

    private DevIssuerHost(IDictionary<string, string?>? settings, TimeProvider? time, string? keyDirectory, string? urls)
    {
        _time = time;
        _ownsKeyDirectory = keyDirectory is null;
        KeyDirectory = keyDirectory ?? NewTempDirectory();
        _settings = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>());
        if (urls is not null)
        {
            _settings["urls"] = urls;
            // Fixed URLs (e.g. an HTTPS one beside HTTP for RFC 8705): Kestrel binds them with the issuer's HTTPS defaults.
            UseKestrel();
        }
        else
        {
            // Endpoints set on Kestrel, not UseKestrel(port): that overload edits the server addresses after build and races with
            // Kestrel binding them (dotnet/aspnetcore#67714: "Addresses cannot be modified after the server has started").
            UseKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, 0));
        }
    }

    public string KeyDirectory { get; }

    /// <param name="settings">Extra configuration (e.g. <c>DevIssuer:Issuer</c>); a <c>urls</c> setting here is overruled by the loopback port.</param>
    /// <param name="time">The issuer's clock (a fake one where polling or expiry matters); the system clock when null.</param>
    /// <param name="keyDirectory">A key folder shared with another host; a temporary one of its own when null.</param>
    /// <param name="urls">Fixed URLs to listen on (e.g. HTTP and HTTPS for RFC 8705), instead of an ephemeral loopback port.</param>
    public static DevIssuerHost With(IDictionary<string, string?>? settings = null, TimeProvider? time = null, string? keyDirectory = null, string? urls = null) =>
        new(settings, time, keyDirectory, urls);

    /// <summary>The issuer's base URL; OpenIddict's issuer identifier is this with a trailing slash.</summary>
    public Uri BaseAddress => new(Addresses[0].Replace("[::]", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/') + "/");

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

    /// <summary>An access token from the issuer's <c>/dev/tokens</c>, as another app of the user's would hold one.</summary>
    public async Task<string> DevTokenAsync(string subject, string scopes = "photos.read photos.write", string? clientId = null)
    {
        using var http = NewHttpClient();
        using var minted = await http.PostAsJsonAsync("/dev/tokens", clientId is null ? (object)new { subject, scopes } : new { subject, scopes, clientId });
        var body = await minted.Content.ReadAsStringAsync();
        Assert.True(minted.IsSuccessStatusCode, $"/dev/tokens answered {(int)minted.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!;
    }

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
