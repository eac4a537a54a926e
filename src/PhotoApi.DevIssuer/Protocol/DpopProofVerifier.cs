using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace PhotoApi.DevIssuer.Protocol;

/// <summary>A DPoP proof that passed (its key's RFC 7638 thumbprint), or why it did not.</summary>
public readonly record struct DpopProofCheck(string? Thumbprint, string? Error, bool NonceMissing = false);

/// <summary>
/// RFC 9449 §4.3 at the token endpoint (§5). The API has its own validator (PhotoApi.Auth.DpopProofValidator), tied to its
/// options, request model and rejection catalogue; the dev issuer is a separate program that must not depend on the API,
/// so this is a small copy of the same rules for the one URL and method a token request has.
/// </summary>
public sealed class DpopProofVerifier(TimeProvider time, DpopNonces nonces)
{
    /// <summary>Asymmetric algorithms only (§4.3 check 5); the API accepts the same list by default.</summary>
    public static readonly string[] Algorithms = ["ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "RS256", "RS384", "RS512"];

    /// <summary>How old a proof's iat may be; its jti is remembered this long (§11.1).</summary>
    public static readonly TimeSpan ProofLifetime = TimeSpan.FromMinutes(1);

    private static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);
    private const int MaxProofLength = 8 * 1024;
    private const int MaxJtiLength = 256;
    private const int MaxRemembered = 100_000;
    private static readonly JsonDocumentOptions Strict = new() { AllowDuplicateProperties = false, MaxDepth = 8 };

    // RFC 7517 §9.2 / RFC 7518 §6: members only a private or symmetric key has; the jwk MUST NOT be private (§4.2).
    private static readonly string[] PrivateMembers = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false, MaximumTokenSizeInBytes = MaxProofLength };
    private readonly ConcurrentDictionary<string, DateTimeOffset> _usedJtis = new(StringComparer.Ordinal);

    /// <summary>Checks one proof sent with a POST to the token endpoint, known by any of <paramref name="tokenEndpoints"/>.</summary>
    public async ValueTask<DpopProofCheck> VerifyAsync(string proof, IReadOnlyCollection<Uri> tokenEndpoints)
    {
        if (proof.Length is 0 or > MaxProofLength)
        {
            return Fail("The DPoP proof is empty or too long.");
        }
        JsonWebToken jwt;
        try
        {
            jwt = new JsonWebToken(proof);
        }
        catch (Exception e) when (e is ArgumentException or SecurityTokenMalformedException or JsonException or FormatException)
        {
            return Fail("The DPoP proof is not a JWS.");
        }
        if (jwt.IsEncrypted)
        {
            return Fail("The DPoP proof is not a JWS.");
        }

        using var header = Parse(jwt.EncodedHeader);
        using var payload = Parse(jwt.EncodedPayload);
        if (header?.RootElement is not { ValueKind: JsonValueKind.Object } head || payload?.RootElement is not { ValueKind: JsonValueKind.Object } claims)
        {
            return Fail("The DPoP proof's header or payload is not a JSON object.");
        }
        // §4.2: typ is dpop+jwt (a media type: case-insensitive, "application/" optional, RFC 7515 §4.1.9).
        if (!TryString(head, "typ", out var typ) || !IsDpopType(typ))
        {
            return Fail("The DPoP proof's typ must be dpop+jwt.");
        }
        // §4.3 check 5: an asymmetric algorithm; never none, never a MAC.
        if (!TryString(head, "alg", out var alg) || !Algorithms.Contains(alg, StringComparer.Ordinal))
        {
            return Fail($"The DPoP proof's alg must be one of {string.Join(", ", Algorithms)}.");
        }
        // RFC 7515 §4.1.11: no critical extension is understood here.
        if (head.TryGetProperty("crit", out _))
        {
            return Fail("The DPoP proof has a crit header this server does not understand.");
        }
        if (PublicKey(head, alg) is not { } key)
        {
            return Fail("The DPoP proof's jwk must be a public RSA (2048 bits or more) or EC key that fits its alg.");
        }
        // §4.3 check 6: the signature verifies with the proof's own jwk.
        if (!await VerifiesAsync(jwt, key))
        {
            return Fail("The DPoP proof's signature does not verify with its jwk.");
        }
        if (!TryString(claims, "jti", out var jti) || jti.Length > MaxJtiLength
            || !TryString(claims, "htm", out var htm) || !TryString(claims, "htu", out var htu)
            || !claims.TryGetProperty("iat", out var iatValue) || iatValue.ValueKind != JsonValueKind.Number || !iatValue.TryGetInt64(out var iatSeconds))
        {
            return Fail("The DPoP proof must have jti, htm, htu and a numeric iat.");
        }
        // §4.3 check 8: a token request is a POST (RFC 9110 §9.1: methods are case-sensitive).
        if (!string.Equals(htm, HttpMethods.Post, StringComparison.Ordinal))
        {
            return Fail("The DPoP proof's htm must be POST.");
        }
        // §4.3 check 9: htu compared with the token endpoint after RFC 3986 §6 normalisation, without query and fragment.
        if (Normalize(htu) is not { } proofUri || !tokenEndpoints.Any(endpoint => string.Equals(proofUri, Normalize(endpoint.AbsoluteUri), StringComparison.Ordinal)))
        {
            return Fail("The DPoP proof's htu must be the token endpoint's URL.");
        }
        // §4.3 check 11, §11.1: iat within the window; ahead of our clock by at most the clock skew.
        var now = time.GetUtcNow();
        var iat = DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(iatSeconds, 0, 253402300799));
        if (iat > now + ClockSkew || iat < now - ProofLifetime)
        {
            return Fail("The DPoP proof's iat is outside the accepted window.");
        }
        // §4.3 check 12 applies to resource requests only (§7.1); a proof with ath was made for a resource, not for this endpoint.
        if (claims.TryGetProperty("ath", out _))
        {
            return Fail("A DPoP proof for the token endpoint must not carry ath.");
        }
        // §8, §4.3 check 10: a nonce this issuer handed out, when nonces are required.
        if (nonces.Required && (!TryString(claims, "nonce", out var nonce) || !nonces.Check(nonce)))
        {
            return new(null, "The authorization server requires a nonce in the DPoP proof.", NonceMissing: true);
        }

        var thumbprint = Base64UrlEncoder.Encode(key.ComputeJwkThumbprint());
        // §11.1: single use within the window; recorded last so that only proofs that passed use up a jti.
        return Remember(thumbprint, jti, iat + ProofLifetime + ClockSkew, now)
            ? new(thumbprint, null)
            : Fail("The DPoP proof has been used before.");
    }

    private bool Remember(string thumbprint, string jti, DateTimeOffset expires, DateTimeOffset now)
    {
        if (_usedJtis.Count >= MaxRemembered)
        {
            foreach (var (id, expiry) in _usedJtis.Where(entry => entry.Value <= now).ToList())
            {
                _usedJtis.TryRemove(id, out _);
            }
            if (_usedJtis.Count >= MaxRemembered)
            {
                return false; // fail closed: forgetting a live jti would let its proof be replayed
            }
        }
        var key = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(thumbprint + " " + jti)));
        if (_usedJtis.TryAdd(key, expires))
        {
            return true;
        }
        // Seen before: reusable only once its proof could no longer be accepted on its iat anyway.
        return _usedJtis.TryGetValue(key, out var previous) && previous <= now && _usedJtis.TryUpdate(key, expires, previous);
    }

    /// <summary>RFC 3986 §6.2.2–6.2.3: case of scheme and host, default port, dot segments, percent-encoding; query and fragment dropped.</summary>
    public static string? Normalize(string uri) =>
        Uri.TryCreate(uri, UriKind.Absolute, out var parsed) && parsed.Scheme is "https" or "http" && !string.IsNullOrEmpty(parsed.Host)
            ? parsed.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped)
            : null;

    private static DpopProofCheck Fail(string description) => new(null, description);

    private static bool IsDpopType(string typ)
    {
        var type = typ.StartsWith("application/", StringComparison.OrdinalIgnoreCase) ? typ["application/".Length..] : typ;
        return type.Equals("dpop+jwt", StringComparison.OrdinalIgnoreCase);
    }

    // §4.2: a public key; RSA of at least 2048 bits for RS/PS, EC on the curve the alg names for ES (RFC 8725 §3.1).
    private static JsonWebKey? PublicKey(JsonElement header, string alg)
    {
        if (!header.TryGetProperty("jwk", out var jwk) || jwk.ValueKind != JsonValueKind.Object
            || PrivateMembers.Any(member => jwk.TryGetProperty(member, out _)))
        {
            return null;
        }
        try
        {
            var key = new JsonWebKey(jwk.GetRawText());
            var fits = (key.Kty, alg[..2]) switch
            {
                ("EC", "ES") => key.Crv == alg switch { "ES256" => "P-256", "ES384" => "P-384", _ => "P-521" } && key.X is not null && key.Y is not null,
                ("RSA", "RS" or "PS") => key.N is not null && key.E is not null && Base64UrlEncoder.DecodeBytes(key.N).Length * 8 >= 2048,
                _ => false,
            };
            return fits ? key : null;
        }
        catch (Exception e) when (e is ArgumentException or JsonException or FormatException)
        {
            return null;
        }
    }

    private async Task<bool> VerifiesAsync(JsonWebToken proof, JsonWebKey key)
    {
        var result = await _handler.ValidateTokenAsync(proof, new TokenValidationParameters
        {
            IssuerSigningKey = key,
            TryAllIssuerSigningKeys = true,
            RequireSignedTokens = true,
            ValidAlgorithms = [proof.Alg],
            ValidateIssuer = false,
            ValidateAudience = false,
            ValidateLifetime = false,
            RequireExpirationTime = false,
            ValidateIssuerSigningKey = false,
            // typ, iat and the rest are checked by RFC 9449's rules above, not an access token's.
            ValidateTokenReplay = false,
        });
        return result.IsValid;
    }

    private static bool TryString(JsonElement element, string name, out string value)
    {
        if (element.TryGetProperty(name, out var member) && member.ValueKind == JsonValueKind.String && member.GetString() is { Length: > 0 } text)
        {
            value = text;
            return true;
        }
        value = "";
        return false;
    }

    // Duplicate member names are refused (RFC 7515 §5.2 allows either refusing or taking the last; we refuse).
    private static JsonDocument? Parse(string segment)
    {
        try
        {
            return JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(segment), Strict);
        }
        catch (Exception e) when (e is JsonException or FormatException or ArgumentException)
        {
            return null;
        }
    }
}
