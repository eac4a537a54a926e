using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;
using PhotoApi.Configuration;

using PhotoApi.Http;

namespace PhotoApi.Traffic;

/// <summary>The <c>Proxies__*</c> settings: which reverse proxies (TLS terminators, load balancers) may say who the client is.</summary>
public sealed class ProxyOptions
{
    public const string Section = "Proxies";

    /// <summary>Addresses of trusted proxies (comma-separated or indexed); their <c>X-Forwarded-For</c> is believed.</summary>
    public string[] KnownProxies { get; set; } = [];

    /// <summary>Networks of trusted proxies in CIDR form (<c>10.0.0.0/8</c>, <c>2001:db8::/32</c>).</summary>
    public string[] KnownNetworks { get; set; } = [];

    /// <summary>How many proxy hops to unwind from the right of <c>X-Forwarded-For</c>.</summary>
    public int ForwardLimit { get; set; } = 1;
}

/// <summary>
/// ASP.NET Core's forwarded-headers middleware, trusting only the configured proxies: with none configured (the default)
/// it is not in the pipeline, <c>X-Forwarded-*</c> is ignored and the client is the socket's peer. The rate limits key on the result.
/// </summary>
public static class Proxies
{
    public static IHostApplicationBuilder AddPhotoApiProxies(this IHostApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(ProxyOptions.Section);
        builder.AddSettings<ProxyOptions, ProxyRules>(ProxyOptions.Section)
            .Configure(options =>
            {
                // Operators write lists as one value ("10.0.0.1,10.0.0.2"); the binder only reads indexed children.
                options.KnownProxies = Split(section["KnownProxies"]) ?? options.KnownProxies;
                options.KnownNetworks = Split(section["KnownNetworks"]) ?? options.KnownNetworks;
            });

        builder.Services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<ProxyOptions>>((options, proxies) =>
        {
            // Only the client address and scheme: Host is never taken from a header (the resource identifier is configured).
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            options.ForwardLimit = proxies.Value.ForwardLimit;
            // ASP.NET trusts loopback by default; here nobody is trusted unless configured.
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
#pragma warning disable ASPDEPR005 // the obsolete list is still consulted, and still holds 127.0.0.0/8 by default
            options.KnownNetworks.Clear();
#pragma warning restore ASPDEPR005
            foreach (var proxy in proxies.Value.KnownProxies)
            {
                options.KnownProxies.Add(IPAddress.Parse(proxy));
            }
            foreach (var network in proxies.Value.KnownNetworks)
            {
                options.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
        });
        return builder;
    }

    public static WebApplication UsePhotoApiProxies(this WebApplication app)
    {
        // The middleware believes every sender when both lists are empty: with no proxy configured it is left out.
        var proxies = app.Services.GetRequiredService<IOptions<ProxyOptions>>().Value;
        if (proxies.KnownProxies.Length > 0 || proxies.KnownNetworks.Length > 0)
        {
            app.UseForwardedHeaders();
        }
        return app;
    }

    private static string[]? Split(string? value) =>
        value is { Length: > 0 } ? value.Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : null;
}

internal sealed class ProxyRules : SettingsRules<ProxyOptions>
{
    protected override IEnumerable<string> Broken(ProxyOptions o)
    {
        if (!o.KnownProxies.All(p => IPAddress.TryParse(p, out _)))
        {
            yield return "Proxies__KnownProxies must be IP addresses.";
        }
        if (!o.KnownNetworks.All(n => System.Net.IPNetwork.TryParse(n, out _)))
        {
            yield return "Proxies__KnownNetworks must be networks in CIDR form, such as 10.0.0.0/8.";
        }
        if (o.ForwardLimit is < 1 or > 10)
        {
            yield return "Proxies__ForwardLimit must be between 1 and 10.";
        }
    }
}
