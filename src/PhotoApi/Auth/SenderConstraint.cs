using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace PhotoApi.Auth;

/// <summary>A token's <c>cnf</c> (RFC 7800 §3.1): the DPoP key thumbprint (RFC 9449 §6.1) and/or the certificate thumbprint (RFC 8705 §3.1).</summary>
public sealed record TokenConfirmation(string? Jkt, string? X5tS256)
{
    /// <summary>Reads <c>cnf</c> from the payload; a rejection when it is there but not an object of known string members.</summary>
    public static TokenRejection? Read(JsonWebToken token, out TokenConfirmation? confirmation)
    {
        confirmation = null;
        // Most tokens have no cnf: IdentityModel's parsed payload says so without a second parse.
        if (!token.TryGetClaim("cnf", out _))
        {
            return null;
        }
        using var payload = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(token.EncodedPayload));
        if (!payload.RootElement.TryGetProperty("cnf", out var cnf))
        {
            return null;
        }
        if (cnf.ValueKind != JsonValueKind.Object)
        {
            return TokenRejection.MalformedConfirmation;
        }
        string? jkt = null, x5t = null;
        foreach (var member in cnf.EnumerateObject())
        {
            // A confirmation method we cannot check would leave the token unbound here: refused rather than ignored.
            if (member.Value.ValueKind != JsonValueKind.String || member.Value.GetString() is not { Length: > 0 } value)
            {
                return TokenRejection.MalformedConfirmation;
            }
            switch (member.Name)
            {
                case "jkt": jkt = value; break;
                case "x5t#S256": x5t = value; break;
                default: return TokenRejection.MalformedConfirmation;
            }
        }
        if (jkt is null && x5t is null)
        {
            return TokenRejection.MalformedConfirmation;
        }
        confirmation = new TokenConfirmation(jkt, x5t);
        return null;
    }
}

/// <summary>
/// The per-request half of authentication, after the (cached) token check: the token's binding against this request.
/// DPoP-bound tokens need the DPoP scheme and a valid proof (RFC 9449 §7), certificate-bound ones the certificate (RFC 8705 §3),
/// and unbound ones are refused where sender-constrained tokens are required. Also what challenges and metadata advertise.
/// </summary>
public sealed class SenderConstraint
{
    private readonly DpopProofValidator _proofs;
    private readonly DpopNonce _nonce;
    private readonly HashSet<IPAddress> _certificateProxies;

    public SenderConstraint(IOptions<AuthOptions> options, DpopProofValidator proofs, DpopNonce nonce)
    {
        var auth = options.Value;
        _proofs = proofs;
        _nonce = nonce;
        DpopEnabled = auth.Dpop.Enabled;
        DpopAlgorithms = auth.Dpop.Algorithms;
        DpopChallengeAlgs = string.Join(' ', auth.Dpop.Algorithms);
        _certificateProxies = auth.ClientCertificates.TrustedProxies.Select(IPAddress.Parse).ToHashSet();
        CertificateBoundTokens = auth.ClientCertificates.Tls || _certificateProxies.Count > 0;
        // RFC 9728 §2: "always requires DPoP": only when nothing else can satisfy the requirement.
        DpopRequired = auth.RequireSenderConstrainedTokens && DpopEnabled && !CertificateBoundTokens;
    }

    public bool DpopEnabled { get; }

    public IReadOnlyList<string> DpopAlgorithms { get; }

    /// <summary>The <c>algs</c> auth-param of the DPoP challenge (§7.1).</summary>
    public string DpopChallengeAlgs { get; }

    public bool DpopRequired { get; }

    public bool CertificateBoundTokens { get; }

    /// <summary>The DPoP nonce to hand out (in a <c>use_dpop_nonce</c> challenge).</summary>
    public string IssueNonce() => _nonce.Issue();

    /// <summary>Whether the request's Authorization header uses the DPoP scheme (case-insensitive, RFC 9110 §11.1).</summary>
    public bool UsesDpopScheme(HttpRequest request) =>
        DpopEnabled && request.Headers.Authorization is [{ } value] && value.StartsWith("DPoP ", StringComparison.OrdinalIgnoreCase);

    /// <summary>JwtBearer's OnTokenValidated: runs for every request, cached token or not.</summary>
    public async Task CheckAsync(TokenValidatedContext context)
    {
        // The token as presented (RFC 9449 §4.3 ath): the JWT, or the opaque token that was introspected.
        var presented = context.SecurityToken switch
        {
            JsonWebToken jwt => jwt.EncodedToken,
            Introspection.IntrospectedToken opaque => opaque.Presented,
            _ => null,
        };
        if (context.Principal?.Identity is not AccessTokenIdentity identity || presented is null)
        {
            Fail(context, TokenRejection.Invalid);
            return;
        }
        var request = context.Request;
        var confirmation = identity.Confirmation;

        // RFC 8705 §3: the certificate of this request must be the one the token is bound to, whatever the scheme.
        if (confirmation?.X5tS256 is { } x5t && !string.Equals(CertificateThumbprint(context.HttpContext), x5t, StringComparison.Ordinal))
        {
            Fail(context, TokenRejection.CertificateMismatch);
            return;
        }

        if (UsesDpopScheme(request))
        {
            // RFC 9449 §7.1: the DPoP scheme is for DPoP-bound tokens only.
            if (confirmation?.Jkt is not { } jkt)
            {
                Fail(context, TokenRejection.NotDpopBound);
                return;
            }
            var result = await _proofs.ValidateAsync(request.Headers["DPoP"].ToString(), request, presented, jkt);
            if (result.Rejection is { } rejection)
            {
                Fail(context, rejection);
                return;
            }
            if (result.RenewNonce)
            {
                context.Response.Headers["DPoP-Nonce"] = _nonce.Issue(); // §8.2: a fresh nonce before the old one runs out
            }
            return;
        }

        // RFC 9449 §7.2: a DPoP-bound token presented as a Bearer token is refused (the downgrade a thief would try).
        if (confirmation?.Jkt is not null)
        {
            Fail(context, TokenRejection.DpopBoundAsBearer);
            return;
        }
        if (confirmation is null && identity.Issuer.RequireSenderConstrainedTokens)
        {
            Fail(context, TokenRejection.SenderConstraintRequired);
        }
    }

    // The socket's peer, which the forwarded-headers middleware (Proxies__*) does not rewrite, unlike Connection.RemoteIpAddress.
    // No socket (another transport): no peer, so the header is not believed (fail closed).
    private static IPAddress? TcpPeer(HttpContext http) =>
        (http.Features.Get<IConnectionSocketFeature>()?.Socket.RemoteEndPoint as IPEndPoint)?.Address;

    private static void Fail(TokenValidatedContext context, TokenRejection rejection)
    {
        AuthMetrics.TokenRejections.Add(1, new KeyValuePair<string, object?>("reason", rejection.Code));
        context.Fail(new AccessTokenRejectedException(rejection));
    }

    /// <summary>
    /// base64url SHA-256 of the client certificate's DER (RFC 8705 §3.1): from the RFC 9440 <c>Client-Cert</c> header when the
    /// TCP peer is a configured TLS-terminating proxy, else from this TLS connection. Null when there is none.
    /// </summary>
    private string? CertificateThumbprint(HttpContext http)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        if (TcpPeer(http) is { } peer && _certificateProxies.Contains(peer.IsIPv4MappedToIPv6 ? peer.MapToIPv4() : peer))
        {
            // RFC 9440 §2.2: one sf-binary, ":" base64(DER) ":". A proxy that forwards a client's own header is misconfigured.
            if (http.Request.Headers["Client-Cert"] is not [{ Length: > 2 } field] || field[0] != ':' || field[^1] != ':')
            {
                return null;
            }
            var der = new byte[field.Length];
            if (!Convert.TryFromBase64String(field[1..^1], der, out var length) || length == 0)
            {
                return null;
            }
            SHA256.HashData(der.AsSpan(0, length), digest);
            return Base64Url.EncodeToString(digest);
        }
        if (http.Connection.ClientCertificate is not { } certificate)
        {
            return null;
        }
        SHA256.HashData(certificate.RawDataMemory.Span, digest);
        return Base64Url.EncodeToString(digest);
    }
}
