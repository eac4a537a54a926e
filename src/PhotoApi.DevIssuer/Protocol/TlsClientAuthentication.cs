using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;
using PhotoApi.DevIssuer.Configuration;
using PhotoApi.DevIssuer.Hosting;

namespace PhotoApi.DevIssuer.Protocol;

/// <summary>
/// RFC 8705 with OpenIddict's own support: <c>self_signed_tls_client_auth</c> (§2.2) and certificate-bound access tokens
/// (§3). The dev issuer only opens the HTTPS listener, asks for a certificate and registers each client's certificate.
/// </summary>
public static class TlsClientAuthentication
{
    private const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";
    private const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";

    public static string MtlsUrl(int port) => $"https://127.0.0.1:{port}";

    /// <summary>Adds the HTTPS URL to the ones Kestrel binds (when the process is ours) and configures its TLS.</summary>
    public static WebApplicationBuilder AddDevIssuerTlsClientAuthentication(this WebApplicationBuilder builder)
    {
        // Host addresses are read before the options exist; a test host (WebApplicationFactory) sets its own URLs.
        if (builder.Configuration.GetValue<int?>($"{DevIssuerOptions.SectionName}:{nameof(DevIssuerOptions.MtlsPort)}") is { } port
            && string.IsNullOrEmpty(builder.Configuration["https_ports"])
            && !builder.Configuration.GetSection("Kestrel:Endpoints").GetChildren().Any())
        {
            var urls = builder.Configuration["urls"] is { Length: > 0 } configured ? configured : LoopbackGuard.DefaultUrl;
            if (!urls.Split(';').Contains(MtlsUrl(port), StringComparer.OrdinalIgnoreCase))
            {
                builder.WebHost.UseUrls($"{urls};{MtlsUrl(port)}");
            }
        }

        builder.Services.AddSingleton<IConfigureOptions<KestrelServerOptions>, ConfigureKestrelTls>();
        builder.Services.AddSingleton<IConfigureOptions<OpenIddictServerOptions>, ConfigureOpenIddictTls>();
        return builder;
    }

    /// <summary>The client's certificate as the JWK OpenIddict trusts for it: RSA with <c>x5c</c>, <c>use: sig</c>.</summary>
    /// <remarks>
    /// OpenIddictApplicationManager.GetSelfSignedTlsClientAuthenticationPolicyAsync trusts only keys that
    /// JsonWebKeyConverter turns into an X509SecurityKey, which it does for <c>kty: RSA</c> with <c>x5c</c> only (an EC key
    /// becomes an ECDsaSecurityKey and is skipped), and only certificates that are self-issued, v3, with key usage
    /// digitalSignature and extended key usage clientAuth.
    /// </remarks>
    public static JsonWebKeySet KeySet(X509Certificate2 certificate)
    {
        using var rsa = certificate.GetRSAPublicKey()
            ?? throw new InvalidOperationException("A TLS client certificate for the dev issuer must have an RSA key.");
        var parameters = rsa.ExportParameters(includePrivateParameters: false);
        var key = new JsonWebKey
        {
            Kty = JsonWebAlgorithmsKeyTypes.RSA,
            Use = JsonWebKeyUseNames.Sig,
            N = Base64UrlEncoder.Encode(parameters.Modulus),
            E = Base64UrlEncoder.Encode(parameters.Exponent),
            Kid = Base64UrlEncoder.Encode(SHA256.HashData(certificate.RawData)),
        };
        key.X5c.Add(Convert.ToBase64String(certificate.RawData));
        var set = new JsonWebKeySet();
        set.Keys.Add(key);
        return set;
    }

    /// <summary>Reads the client's certificate (PEM); creates it and its key (<c>.key</c> beside it) when missing.</summary>
    public static X509Certificate2 LoadOrCreateClientCertificate(string path, string clientId, TimeProvider time)
    {
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            using var rsa = RSA.Create(2048);
            var request = new CertificateRequest($"CN={clientId}", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ClientAuthentication)], critical: false));
            var now = time.GetUtcNow();
            using var created = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));
            File.WriteAllText(Path.ChangeExtension(path, ".key"), rsa.ExportPkcs8PrivateKeyPem());
            File.WriteAllText(path, created.ExportCertificatePem());
        }

        return X509Certificate2.CreateFromPem(File.ReadAllText(path));
    }

    /// <summary>A throw-away server certificate for 127.0.0.1 and localhost, made at start (a dev tool, not a CA).</summary>
    private static X509Certificate2 CreateServerCertificate(TimeProvider time)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=PhotoApi dev issuer", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ServerAuthentication)], critical: false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        var now = time.GetUtcNow();
        using var created = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));
        // Through PKCS#12 so that SslStream on Linux can use the private key.
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null);
    }

    /// <summary>Reads the raw setting: the validated options must fail start-up where they always have, not inside Kestrel.</summary>
    private sealed class ConfigureKestrelTls(IConfiguration configuration, TimeProvider time) : IConfigureOptions<KestrelServerOptions>
    {
        public void Configure(KestrelServerOptions options)
        {
            if (!int.TryParse(configuration[$"{DevIssuerOptions.SectionName}:{nameof(DevIssuerOptions.MtlsPort)}"], out _))
            {
                return;
            }

            var certificate = CreateServerCertificate(time);
            options.ConfigureHttpsDefaults(https =>
            {
                https.ServerCertificate = certificate;
                // RFC 8705 §2: asked for, not required, so a client without one still gets an OAuth error, not a TLS failure.
                https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
                // Self-signed certificates never chain to a root: OpenIddict checks each against the client's registration.
                https.AllowAnyClientCertificate();
            });
        }
    }

    private sealed class ConfigureOpenIddictTls(IOptions<DevIssuerOptions> devIssuer, IConfiguration configuration) : IConfigureOptions<OpenIddictServerOptions>
    {
        public void Configure(OpenIddictServerOptions options)
        {
            if (devIssuer.Value.MtlsPort is not { } port)
            {
                return;
            }

            // OpenIddict needs a static issuer with an mTLS alias (one iss whichever origin issued the token): DevIssuer:Issuer,
            // else the first plain-HTTP URL the issuer listens on (http://localhost:5001 by default).
            if (string.IsNullOrWhiteSpace(devIssuer.Value.Issuer))
            {
                var urls = configuration["urls"] is { Length: > 0 } configured ? configured : LoopbackGuard.DefaultUrl;
                var http = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .FirstOrDefault(url => url.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) ?? LoopbackGuard.DefaultUrl;
                options.Issuer = new Uri(http.TrimEnd('/') + "/", UriKind.Absolute);
            }

            // What OpenIddictServerBuilder.EnableSelfSignedTlsClientAuthentication() sets, applied lazily after test hosts
            // had their say: clientAuth EKU, custom root trust (the client's registered certificates), no revocation.
            options.SelfSignedTlsClientAuthenticationPolicy = new X509ChainPolicy
            {
                ApplicationPolicy = { new Oid(ClientAuthentication) },
                RevocationMode = X509RevocationMode.NoCheck,
                TrustMode = X509ChainTrustMode.CustomRootTrust,
            };
            // RFC 8705 §3.1: cnf.x5t#S256 of the certificate of the token request's TLS connection.
            options.UseClientCertificateBoundAccessTokens = true;
            // RFC 8705 §5: the token endpoint that asks for certificates is on another origin than the plain one.
            options.MtlsTokenEndpointAliasUri = new Uri($"{MtlsUrl(port)}{ProtocolSetup.TokenPath}");
        }
    }
}
