using PhotoApi.DevIssuer.Configuration;
using PhotoApi.DevIssuer.Hosting;

namespace PhotoApi.DevIssuer.DevTokens;

/// <summary>The <c>iss</c> OpenIddict writes, so dev tokens and protocol tokens are indistinguishable.</summary>
public static class IssuerUri
{
    /// <summary>Configured issuer, else scheme://host[:port]/pathbase/ of the request (OpenIddict's rule: always a trailing slash).</summary>
    public static string For(DevIssuerOptions options, HttpRequest request) =>
        Normalize(options.Issuer) ?? Normalize($"{request.Scheme}://{request.Host}{request.PathBase}/")!;

    /// <summary>Outside a request (the mint command): the configured issuer, else the default address.</summary>
    public static string ForCommandLine(DevIssuerOptions options, IConfiguration configuration) =>
        Normalize(options.Issuer)
        ?? Normalize(LoopbackGuard.ConfiguredUrls(configuration).FirstOrDefault(url => !url.Contains('*', StringComparison.Ordinal) && !url.Contains('+', StringComparison.Ordinal)))
        ?? Normalize(LoopbackGuard.DefaultUrl)!;

    private static string? Normalize(string? issuer) =>
        string.IsNullOrWhiteSpace(issuer) ? null : new Uri(issuer, UriKind.Absolute).AbsoluteUri;
}
