using PhotoApi.Auth.Introspection;

namespace PhotoApi.Auth;

/// <summary>How PhotoApi trusts access tokens: the <c>Auth__*</c> settings.</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    public static readonly string[] DefaultAlgorithms =
        ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"];

    /// <summary>The single trusted issuer's base URL (the short form of <see cref="Issuers"/>).</summary>
    public string? Authority { get; set; }

    /// <summary>Discovery document URL when it is not <c>{Authority}/.well-known/openid-configuration</c> (e.g. RFC 8414's).</summary>
    public string? MetadataAddress { get; set; }

    /// <summary>The required <c>aud</c> of the single-issuer form.</summary>
    public string Audience { get; set; } = "photo-api";

    /// <summary>More accepted audiences besides <see cref="Audience"/> (a comma-separated string is accepted too).</summary>
    public string[] Audiences { get; set; } = [];

    /// <summary>The RFC 9728 resource identifier (<see cref="ResourceUri"/>) is accepted as an audience (RFC 8707 tokens carry it as <c>aud</c>).</summary>
    public bool AcceptResourceUriAsAudience { get; set; } = true;

    /// <summary>RFC 7662 introspection at the single issuer (<c>Auth__Introspection__*</c>).</summary>
    public IssuerIntrospectionOptions Introspection { get; set; } = new();

    /// <summary>The introspection answer cache, for every issuer.</summary>
    public IntrospectionCacheOptions IntrospectionCache { get; set; } = new();

    /// <summary>Outbound introspection calls: timeout and rate, per issuer.</summary>
    public IntrospectionCallOptions IntrospectionCalls { get; set; } = new();

    /// <summary>Provider profile of the single-issuer form.</summary>
    public string Profile { get; set; } = TokenProfiles.Generic;

    /// <summary>Provider scope name → PhotoApi scope, for the single-issuer form.</summary>
    public Dictionary<string, string> ScopeMap { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Several trusted issuers at once (<c>Auth__Issuers__0__Authority</c>, ...).</summary>
    public List<IssuerOptions> Issuers { get; set; } = [];

    /// <summary>True when <see cref="Issuers"/> holds the single <c>Auth__Authority</c> form, folded in at start-up (<see cref="AuthOptionsValidation.FoldSingleIssuer"/>).</summary>
    internal bool SingleIssuerForm { get; set; }

    /// <summary>Refuse metadata over plain HTTP; false is allowed for loopback addresses only.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>Accepted JWS algorithms; asymmetric only. A comma-separated string is accepted too.</summary>
    public string[] ValidAlgorithms { get; set; } = [];

    /// <summary>Tolerance for <c>exp</c>/<c>nbf</c>; ASP.NET's default of 5 minutes is too lax.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Accept only RFC 9068 access tokens (<c>typ: at+jwt</c>); unset: the profile decides (generic: required).</summary>
    public bool? RequireAccessTokenType { get; set; }

    /// <summary>Single-issuer form: a user token's scope counts only if the user also holds it as an entitlement.</summary>
    public bool RequireEntitlement { get; set; }

    /// <summary>How often signing keys are re-read even when nothing asks for it.</summary>
    public TimeSpan KeyRefreshInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>A <c>kid</c> looked up on demand and not found is not looked up again for this long (per <c>kid</c>).</summary>
    public TimeSpan KeyRefreshMinInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The least time between any two on-demand key fetches, whatever the <c>kid</c>: the cap on what junk tokens can make the API fetch.</summary>
    public TimeSpan KeyRefreshGlobalMinInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long keys fetched last stay trusted while the issuer cannot be reached; after that tokens get 503 until a fetch succeeds.</summary>
    public TimeSpan KeyMaxAge { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Upper bound for one discovery + JWKS fetch, and so for how long a request can wait on one.</summary>
    public TimeSpan MetadataTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Tokens longer than this are refused before they are parsed.</summary>
    public int MaxTokenLength { get; set; } = 16 * 1024;

    /// <summary>This API's resource identifier (RFC 9728 <c>resource</c>); derived from the request when unset.</summary>
    public string? ResourceUri { get; set; }

    /// <summary>Validated-token cache (authentication of a token seen before costs a hash and a lookup).</summary>
    public TokenCacheOptions TokenCache { get; set; } = new();

    /// <summary>Step-up authentication (RFC 9470) for destructive operations.</summary>
    public StepUpOptions StepUp { get; set; } = new();

    /// <summary>Refuse tokens that are not sender-constrained (no <c>cnf</c>: neither DPoP- nor certificate-bound), from every issuer.</summary>
    public bool RequireSenderConstrainedTokens { get; set; }

    /// <summary>DPoP (RFC 9449): proof-of-possession tokens sent as <c>Authorization: DPoP</c>.</summary>
    public DpopOptions Dpop { get; set; } = new();

    /// <summary>Certificate-bound tokens (RFC 8705 §3): where the client certificate comes from.</summary>
    public ClientCertificateOptions ClientCertificates { get; set; } = new();
}

/// <summary>One trusted authorization server.</summary>
public sealed class IssuerOptions
{
    /// <summary>Base URL; its discovery document is <c>{Authority}/.well-known/openid-configuration</c>.</summary>
    public string? Authority { get; set; }

    /// <summary>The exact <c>iss</c> its tokens carry when it differs from <see cref="Authority"/>.</summary>
    public string? Issuer { get; set; }

    public string? MetadataAddress { get; set; }

    /// <summary>Required audience (<c>aud</c>, or <c>client_id</c> for Cognito); defaults to <c>Auth__Audience</c>.</summary>
    public string? Audience { get; set; }

    /// <summary>More accepted audiences for this issuer's tokens, besides <see cref="Audience"/>.</summary>
    public string[] Audiences { get; set; } = [];

    public string Profile { get; set; } = TokenProfiles.Generic;

    public Dictionary<string, string> ScopeMap { get; set; } = new(StringComparer.Ordinal);

    /// <summary>RFC 7662 introspection at this issuer.</summary>
    public IssuerIntrospectionOptions Introspection { get; set; } = new();

    /// <summary>Accept only <c>typ: at+jwt</c> from this issuer; unset: <c>Auth__RequireAccessTokenType</c>, else the profile's default.</summary>
    public bool? RequireAccessTokenType { get; set; }

    /// <summary>A user token's scope counts only if the user also holds it as an entitlement (the profile's entitlement claim): grant AND entitlement.</summary>
    public bool RequireEntitlement { get; set; }

    /// <summary>Refuse this issuer's tokens unless they are sender-constrained; unset: <c>Auth__RequireSenderConstrainedTokens</c>.</summary>
    public bool? RequireSenderConstrainedTokens { get; set; }
}

public sealed class TokenCacheOptions
{
    public bool Enabled { get; set; } = true;
    public int MaxEntries { get; set; } = 10_000;
    public long MaxBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>An entry lives at most this long (and never past the token's <c>exp</c>), then the token is validated again.</summary>
    public TimeSpan MaxLifetime { get; set; } = TimeSpan.FromMinutes(5);
}

public sealed class StepUpOptions
{
    /// <summary>Destructive operations need a sign-in at most this old (<c>auth_time</c>); null = no age limit.</summary>
    public TimeSpan? MaxAge { get; set; }

    /// <summary>Destructive operations need one of these <c>acr</c> values; empty = any.</summary>
    public string[] AcrValues { get; set; } = [];
}

public sealed class DpopOptions
{
    /// <summary>Elliptic curves first: the <c>algs</c> order of the challenge is a preference (RFC 9449 §7.1).</summary>
    public static readonly string[] DefaultAlgorithms = ["ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "RS256", "RS384", "RS512"];

    /// <summary>Accept <c>Authorization: DPoP</c> (and advertise it in challenges and metadata).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Proof signature algorithms accepted (asymmetric only); a comma-separated string is accepted too.</summary>
    public string[] Algorithms { get; set; } = [];

    /// <summary>How old a proof's <c>iat</c> may be; its <c>jti</c> is remembered this long (plus <c>Auth__ClockSkew</c> for <c>iat</c> ahead of our clock).</summary>
    public TimeSpan ProofLifetime { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Require a server-provided nonce in every proof (RFC 9449 §9).</summary>
    public bool RequireNonce { get; set; }

    /// <summary>Base64 HMAC key (at least 32 bytes) nonces are made with; every instance that must accept another's nonces has the same.</summary>
    public string? NonceKey { get; set; }

    /// <summary>A nonce is accepted for at least this long and at most twice this long after it was handed out.</summary>
    public TimeSpan NonceLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Where used proof <c>jti</c>s are kept: <c>InProcess</c> (one instance), <c>PostgreSql</c> (shared by every instance on the
    /// database) or <c>Redis</c> (shared through <c>ConnectionStrings__Redis</c>). Unset: Redis when it is configured, else InProcess.
    /// </summary>
    public DpopReplayCacheKind? ReplayCache { get; set; }

    /// <summary>Most proof <c>jti</c>s remembered at once (in-process cache); when live ones fill it, the oldest are forgotten and proofs that old are refused as stale.</summary>
    public int ReplayCacheMaxEntries { get; set; } = 200_000;
}

public sealed class ClientCertificateOptions
{
    /// <summary>Kestrel's HTTPS endpoints ask for a client certificate (any certificate: a token binds it by thumbprint, RFC 8705 §3, §5).</summary>
    public bool Tls { get; set; }

    /// <summary>
    /// TCP peers (IP addresses) allowed to state the client certificate in the RFC 9440 <c>Client-Cert</c> header: the
    /// TLS-terminating proxies in front of PhotoApi, compared with the socket's peer (not a forwarded address). Empty: the header is never read.
    /// </summary>
    public string[] TrustedProxies { get; set; } = [];
}

public enum DpopReplayCacheKind
{
    InProcess,
    PostgreSql,
    Redis,
}
