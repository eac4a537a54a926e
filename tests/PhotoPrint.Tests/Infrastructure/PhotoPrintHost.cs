using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using PhotoPrint.Web;

namespace PhotoPrint.Tests.Infrastructure;

/// <summary>The PhotoPrint web sample on real Kestrel, on a port chosen first (the issuer must know its redirect URI).</summary>
public sealed class PhotoPrintHost : WebApplicationFactory<WebProgram>
{
    private readonly Dictionary<string, string?> _settings;
    private readonly TimeProvider _time;

    public PhotoPrintHost(int port, Uri issuer, Uri api, TimeProvider time)
    {
        Port = port;
        _time = time;
        _settings = new()
        {
            ["Logging:LogLevel:Default"] = "Warning",
            ["PhotoPrint:Authority"] = issuer.AbsoluteUri,
            ["PhotoPrint:Api"] = api.AbsoluteUri,
        };
        // Endpoints set on Kestrel, not UseKestrel(port): that overload edits the server addresses after build and races with
        // Kestrel binding them (dotnet/aspnetcore#67714: "Addresses cannot be modified after the server has started").
        UseKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, port));
    }

    public int Port { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}/");

    public string RedirectUri => $"http://127.0.0.1:{Port}/callback";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services => services.AddSingleton(_time));
    }
}
