using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using PhotoApi.DevIssuer.Configuration;

namespace PhotoApi.DevIssuer.Hosting;

/// <summary>
/// A dev tool must not become a production token mint by accident: /dev/tokens is refused
/// unless every listening address is loopback, or AllowDevTokensOnNonLoopback forces it.
/// </summary>
public static class LoopbackGuard
{
    public const string DefaultUrl = "http://localhost:5001";

    /// <summary>Listen on <see cref="DefaultUrl"/> unless the host was told where to listen.</summary>
    public static WebApplicationBuilder UseDevIssuerDefaultUrl(this WebApplicationBuilder builder)
    {
        if (ConfiguredUrls(builder.Configuration).Count == 0)
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        builder.Services.AddSingleton<IValidateOptions<DevIssuerOptions>, ConfiguredAddressValidator>();
        builder.Services.AddHostedService<BoundAddressCheck>();
        return builder;
    }

    /// <summary>Every address the host configuration asks Kestrel to listen on.</summary>
    public static IReadOnlyList<string> ConfiguredUrls(IConfiguration configuration)
    {
        var urls = new List<string>();
        urls.AddRange(Split(configuration["urls"]));
        // ASPNETCORE_HTTP_PORTS / HTTPS_PORTS bind every interface.
        urls.AddRange(Split(configuration["http_ports"]).Select(port => $"http://*:{port}"));
        urls.AddRange(Split(configuration["https_ports"]).Select(port => $"https://*:{port}"));
        urls.AddRange(configuration.GetSection("Kestrel:Endpoints").GetChildren()
            .Select(endpoint => endpoint["Url"]).OfType<string>());
        return urls;
    }

    public static bool IsLoopback(string url)
    {
        // Kestrel's wildcards ("*", "+") are not valid URI hosts; they mean every interface.
        if (url.Contains("://*", StringComparison.Ordinal) || url.Contains("://+", StringComparison.Ordinal))
        {
            return false;
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return false;
        }

        return uri.IsLoopback
            || string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
    }

    internal static string Refusal(IEnumerable<string> exposed) =>
        $"{DevIssuerOptions.SectionName}:EnableDevTokens is on but the issuer listens on non-loopback address(es) "
        + $"{string.Join(", ", exposed)}: /dev/tokens would mint tokens for anyone who reaches it. "
        + $"Listen on localhost, set {DevIssuerOptions.SectionName}__EnableDevTokens=false, "
        + $"or force it with {DevIssuerOptions.SectionName}__AllowDevTokensOnNonLoopback=true.";

    private static string[] Split(string? value) =>
        (value ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static bool MustRefuse(DevIssuerOptions options) =>
        options.EnableDevTokens && !options.AllowDevTokensOnNonLoopback;

    /// <summary>Fails start-up before anything listens, from the configured addresses.</summary>
    private sealed class ConfiguredAddressValidator(IConfiguration configuration) : IValidateOptions<DevIssuerOptions>
    {
        public ValidateOptionsResult Validate(string? name, DevIssuerOptions options)
        {
            var exposed = ConfiguredUrls(configuration).Where(url => !IsLoopback(url)).ToList();
            return MustRefuse(options) && exposed.Count > 0
                ? ValidateOptionsResult.Fail(Refusal(exposed))
                : ValidateOptionsResult.Success;
        }
    }

    /// <summary>Second line of defence: addresses bound in code (Kestrel Listen calls) are only known once the server started.</summary>
    private sealed class BoundAddressCheck(IServer server, IOptions<DevIssuerOptions> options) : IHostedLifecycleService
    {
        public Task StartedAsync(CancellationToken cancellationToken)
        {
            var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            var exposed = addresses.Where(url => !IsLoopback(url)).ToList();
            if (MustRefuse(options.Value) && exposed.Count > 0)
            {
                throw new InvalidOperationException(Refusal(exposed));
            }

            return Task.CompletedTask;
        }

        public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
