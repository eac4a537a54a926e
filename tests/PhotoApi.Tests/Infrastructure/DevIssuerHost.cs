using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using PhotoApi.DevIssuer;

namespace PhotoApi.Tests.Infrastructure;

/// <summary>
/// The real dev issuer (OpenIddict) on real Kestrel, with its signing key in a temporary folder, optionally on a fake clock.
/// Shared with PhotoPrint.Tests (compiled there by link).
/// </summary>
public sealed class DevIssuerHost : WebApplicationFactory<DevIssuerProgram>
{
    private readonly string _keyDirectory = Path.Combine(Path.GetTempPath(), "photoapi-tests-devissuer", Guid.NewGuid().ToString("N"));
    private readonly Dictionary<string, string?> _settings;
    private readonly TimeProvider? _time;

    public DevIssuerHost(IDictionary<string, string?>? settings = null, TimeProvider? time = null)
    {
        _settings = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>());
        _time = time;
        Directory.CreateDirectory(_keyDirectory);
        // Endpoints set on Kestrel, not UseKestrel(port): that overload edits the server addresses after build and races with
        // Kestrel binding them (dotnet/aspnetcore#67714: "Addresses cannot be modified after the server has started").
        if (_settings.ContainsKey("urls"))
        {
            // Fixed URLs (e.g. an HTTPS one beside HTTP for RFC 8705): Kestrel binds them with the issuer's HTTPS defaults.
            UseKestrel();
        }
        else
        {
            UseKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, 0));
        }
    }

    /// <summary>The issuer's base URL; OpenIddict's issuer identifier is this with a trailing slash.</summary>
    public Uri BaseAddress
    {
        get
        {
            StartServer();
            var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/') + "/");
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.UseSetting("DevIssuer:KeyDirectory", _keyDirectory);
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
        Directory.Delete(_keyDirectory, recursive: true);
    }
}
