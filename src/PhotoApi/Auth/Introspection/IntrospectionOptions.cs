namespace PhotoApi.Auth.Introspection;

/// <summary>How the resource server authenticates to an introspection endpoint (RFC 7662 §2.1, RFC 6749 §2.3, RFC 7523 §2.2).</summary>
public enum ClientAuthenticationMethod
{
    /// <summary>HTTP Basic with the form-encoded client id and secret (RFC 6749 §2.3.1).</summary>
    ClientSecretBasic,
    /// <summary>client_id and client_secret in the form body (RFC 6749 §2.3.1).</summary>
    ClientSecretPost,
    /// <summary>A JWT signed with the resource server's own private key (RFC 7523 §2.2, OpenID Connect Core §9).</summary>
    PrivateKeyJwt,
}

/// <summary>Which JWTs are also introspected, so that revocation at the issuer takes effect before <c>exp</c>.</summary>
public enum JwtIntrospection
{
    /// <summary>JWTs are validated locally only (the default).</summary>
    Never,
    /// <summary>Requests with an unsafe method (POST, PUT, PATCH, DELETE) also introspect the JWT; reads stay local.</summary>
    Writes,
    /// <summary>Every request introspects the JWT too.</summary>
    Always,
}

/// <summary>Introspection at one trusted issuer (<c>Auth__Introspection__*</c>, or <c>Auth__Issuers__N__Introspection__*</c>).</summary>
public sealed class IssuerIntrospectionOptions
{
    /// <summary>The resource server's client id at the issuer; unset: no introspection at this issuer.</summary>
    public string? ClientId { get; set; }

    public string? ClientSecret { get; set; }

    public ClientAuthenticationMethod ClientAuthentication { get; set; } = ClientAuthenticationMethod.ClientSecretBasic;

    /// <summary>PEM file with the private key (RSA or EC) for <c>private_key_jwt</c>.</summary>
    public string? ClientKeyFile { get; set; }

    /// <summary>The <c>kid</c> the issuer knows that key by (in the client's registered JWKS).</summary>
    public string? ClientKeyId { get; set; }

    /// <summary>The introspection endpoint when discovery does not name one (<c>introspection_endpoint</c>, RFC 8414 §2).</summary>
    public string? Endpoint { get; set; }

    /// <summary>Tokens that are not JWS (opaque, reference tokens) are introspected at this issuer.</summary>
    public bool OpaqueTokens { get; set; } = true;

    /// <summary>This issuer's JWTs are introspected too: <c>Never</c>, on <c>Writes</c>, or <c>Always</c>.</summary>
    public JwtIntrospection Jwts { get; set; } = JwtIntrospection.Never;

    /// <summary>Ask for RFC 9701 signed answers (<c>application/token-introspection+jwt</c>) and refuse plain JSON ones.</summary>
    public bool JwtResponse { get; set; }

    /// <summary>An active answer must name this API in <c>aud</c>, as a JWT must (RFC 7662 §2.2 makes <c>aud</c> optional).</summary>
    public bool RequireAudience { get; set; } = true;

    public bool Enabled => !string.IsNullOrWhiteSpace(ClientId);
}

/// <summary>The introspection answer cache (<c>Auth__IntrospectionCache__*</c>), shared by all issuers.</summary>
public sealed class IntrospectionCacheOptions
{
    /// <summary>An active answer is reused at most this long, never past the token's <c>exp</c> (RFC 7662 §4): the revocation delay.</summary>
    public TimeSpan MaxLifetime { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>An inactive answer is reused this long, so a token refused once costs no second call right away.</summary>
    public TimeSpan NegativeLifetime { get; set; } = TimeSpan.FromSeconds(10);

    public int MaxEntries { get; set; } = 10_000;
}

/// <summary>Outbound introspection calls (<c>Auth__IntrospectionCalls__*</c>), limited per issuer.</summary>
public sealed class IntrospectionCallOptions
{
    /// <summary>Upper bound for one call; the request that waits on it gets 503 after this.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Calls per second per issuer, sustained (a token bucket): junk tokens cannot make the API hammer the issuer.</summary>
    public int PermitsPerSecond { get; set; } = 50;

    /// <summary>Calls that may be made at once before the per-second rate applies.</summary>
    public int Burst { get; set; } = 50;
}
