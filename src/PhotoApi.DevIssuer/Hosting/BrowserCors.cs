using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Extensions.Options;
using PhotoApi.DevIssuer.Configuration;
using PhotoApi.DevIssuer.Protocol;

namespace PhotoApi.DevIssuer.Hosting;

/// <summary>Swagger UI runs in the browser on another origin and calls metadata, JWKS, token and revocation from JavaScript.</summary>
public static class BrowserCors
{
    private const string PolicyName = "browser-clients";

    private static readonly PathString[] CorsPaths =
    [
        ProtocolSetup.OpenIdConfigurationPath,
        ProtocolSetup.OAuthMetadataPath,
        ProtocolSetup.JwksPath,
        ProtocolSetup.TokenPath,
        ProtocolSetup.RevocationPath,
    ];

    public static WebApplicationBuilder AddDevIssuerCors(this WebApplicationBuilder builder)
    {
        builder.Services.AddCors();
        builder.Services.AddOptions<CorsOptions>().Configure<IOptions<DevIssuerOptions>>((cors, devIssuer) =>
            cors.AddPolicy(PolicyName, policy => policy
                .WithOrigins([.. devIssuer.Value.CorsOrigins])
                .WithMethods(HttpMethods.Get, HttpMethods.Post)
                .AllowAnyHeader()
                // RFC 9449 §8: a browser client must read the nonce to put it in its next proof.
                .WithExposedHeaders(Protocol.DpopTokenBinding.NonceHeaderName)));
        return builder;
    }

    /// <summary>Must run before authentication: OpenIddict answers these endpoints inside the authentication middleware.</summary>
    public static IApplicationBuilder UseDevIssuerCors(this IApplicationBuilder app) =>
        app.UseWhen(
            http => CorsPaths.Any(path => http.Request.Path.Equals(path, StringComparison.OrdinalIgnoreCase)),
            branch => branch.UseCors(PolicyName));
}
