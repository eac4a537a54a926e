namespace PhotoApi.DevIssuer.Configuration;

/// <summary>Everything the dev issuer reads from configuration section <c>DevIssuer</c>.</summary>
public sealed class DevIssuerOptions
{
    public const string SectionName = "DevIssuer";

    /// <summary>Absolute issuer URL; when unset OpenIddict derives it from each request (scheme://host[:port]/).</summary>
    public string? Issuer { get; set; }

    /// <summary>The <c>aud</c> of every access token.</summary>
    public string Audience { get; set; } = "photo-api";

    /// <summary><c>ES256</c> (ECDSA P-256) or <c>RS256</c>.</summary>
    public string SigningAlgorithm { get; set; } = "ES256";

    /// <summary>Where the signing key lives; default <c>&lt;repo&gt;/.data/dev-issuer</c>.</summary>
    public string? KeyDirectory { get; set; }

    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>OpenIddict's default; long enough to copy a code from the address bar into curl.</summary>
    public TimeSpan AuthorizationCodeLifetime { get; set; } = TimeSpan.FromMinutes(5);

    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(14);

    /// <summary>Serve <c>POST /dev/tokens</c>.</summary>
    public bool EnableDevTokens { get; set; } = true;

    /// <summary>Force switch: allow <c>/dev/tokens</c> while listening on a non-loopback address.</summary>
    public bool AllowDevTokensOnNonLoopback { get; set; }

    /// <summary>Browser origins (Swagger UI) allowed to call discovery, JWKS, token and revocation.</summary>
    public IList<string> CorsOrigins { get; } = new List<string>();

    /// <summary>Every DPoP proof at the token endpoint must carry a nonce the issuer handed out (RFC 9449 §8).</summary>
    public bool RequireDpopNonce { get; set; }

    /// <summary>
    /// RFC 8705: also listen on <c>https://127.0.0.1:&lt;port&gt;</c>, asking (not requiring) TLS client certificates, for
    /// <c>self_signed_tls_client_auth</c> and certificate-bound access tokens. Off when unset.
    /// </summary>
    public int? MtlsPort { get; set; }

    public IList<ClientOptions> Clients { get; } = new List<ClientOptions>();

    /// <summary>RFC 8707 resource indicators clients may ask tokens for (absolute URIs, e.g. the API's RFC 9728 resource URL).</summary>
    public IList<string> Resources { get; } = new List<string>();

    public IList<DemoUserOptions> Users { get; } = new List<DemoUserOptions>();
}

public sealed class ClientOptions
{
    public string ClientId { get; set; } = "";

    /// <summary>Absent means a public client (PKCE only, no secret).</summary>
    public string? ClientSecret { get; set; }

    public string? DisplayName { get; set; }

    /// <summary>Matched exactly by OpenIddict: no prefix, case or trailing-slash leniency.</summary>
    public IList<string> RedirectUris { get; } = new List<string>();

    public IList<string> Scopes { get; } = new List<string>();

    /// <summary><c>authorization_code</c>, <c>refresh_token</c>, <c>client_credentials</c>, <c>urn:ietf:params:oauth:grant-type:device_code</c>.</summary>
    public IList<string> GrantTypes { get; } = new List<string>();

    /// <summary>Access tokens issued to this client are OpenIddict reference tokens (opaque; only introspection can read them).</summary>
    public bool ReferenceAccessTokens { get; set; }

    /// <summary>
    /// RFC 8705 §2.2: PEM file of the client's self-signed RSA certificate (relative to the key folder); the client then
    /// authenticates with it instead of a secret. Created with its key (<c>.key</c> beside it) when missing. Needs <c>MtlsPort</c>.
    /// </summary>
    public string? TlsClientCertificate { get; set; }

    public bool AuthenticatesWithCertificate => !string.IsNullOrWhiteSpace(TlsClientCertificate);

    public bool IsPublic => string.IsNullOrEmpty(ClientSecret) && !AuthenticatesWithCertificate;
}

public sealed class DemoUserOptions
{
    public string Subject { get; set; } = "";

    public string Name { get; set; } = "";

    public string? Email { get; set; }
}
