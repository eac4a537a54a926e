using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace PhotoApi.Jose;

/// <summary>The first of RFC 9449 §4.3's checks that need no request a proof fails.</summary>
public enum DpopProofFault
{
    /// <summary>Not one JWS with JSON objects for header and payload (checks 1–3), a <c>crit</c> header, or no jti, htm, htu and numeric iat (check 4).</summary>
    Malformed,

    /// <summary><c>typ</c> is not <c>dpop+jwt</c> (check 4, §4.2).</summary>
    WrongType,

    /// <summary><c>alg</c> is not one of the allowed asymmetric algorithms (check 5).</summary>
    Algorithm,

    /// <summary><c>jwk</c> is missing, holds private members, or is not an allowed public key (§4.2).</summary>
    Key,

    /// <summary>The signature does not verify with <c>jwk</c>, or <c>jwk</c> does not fit <c>alg</c> (check 6, RFC 8725 §3.1).</summary>
    Signature,
}

/// <summary>A proof whose form, key and signature passed: what its receiver still checks against its own request (§4.3 checks 8–12).</summary>
public sealed record DpopProofClaims(TrustedKey Key, string Jti, string Htm, string Htu, DateTimeOffset IssuedAt, string? Nonce, bool HasAth, string? Ath);

/// <summary>
/// RFC 9449 §4.3 checks 1–7, shared by the API (resource requests, §7) and the dev issuer (token requests, §5). Parsing and the
/// signature check are IdentityModel's, with the proof's own <c>jwk</c> once it is known to be an allowed public key.
/// </summary>
public sealed class DpopProofReader(IReadOnlyCollection<string> algorithms)
{
    public const int MaxProofLength = 8 * 1024;
    private const int MaxJtiLength = 256;
    private const int MaxDepth = 8;
    private const int MaxCachedKeys = 10_000;

    // RFC 7517 §9.2 / RFC 7518 §6: members only a private or symmetric key has. A proof's jwk MUST NOT contain a private key (§4.2).
    private static readonly string[] PrivateMembers = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false, MaximumTokenSizeInBytes = MaxProofLength };
    private readonly ConcurrentDictionary<string, TrustedKey> _keys = new(StringComparer.Ordinal);
    private readonly FrozenSet<string> _algorithms = algorithms.ToFrozenSet(StringComparer.Ordinal);

    public async ValueTask<(DpopProofClaims? Proof, DpopProofFault Fault)> ReadAsync(string proof)
    {
        if (proof.Length is 0 or > MaxProofLength)
        {
            return (null, DpopProofFault.Malformed);
        }
        JsonWebToken jwt;
        try
        {
            jwt = new JsonWebToken(proof);
        }
        catch (Exception e) when (e is ArgumentException or SecurityTokenMalformedException or JsonException or FormatException)
        {
            return (null, DpopProofFault.Malformed);
        }
        if (jwt.IsEncrypted)
        {
            return (null, DpopProofFault.Malformed);
        }

        using var header = JoseJson.Parse(jwt.EncodedHeader, MaxDepth);
        using var payload = JoseJson.Parse(jwt.EncodedPayload, MaxDepth);
        if (header?.RootElement is not { ValueKind: JsonValueKind.Object } head || payload?.RootElement is not { ValueKind: JsonValueKind.Object } claims)
        {
            return (null, DpopProofFault.Malformed);
        }
        // §4.2: typ is dpop+jwt (a media type: case-insensitive, "application/" optional, RFC 7515 §4.1.9).
        if (!JoseJson.TryString(head, "typ", out var typ) || !IsDpopType(typ))
        {
            return (null, DpopProofFault.WrongType);
        }
        // §4.3 check 5: an asymmetric algorithm we allow; never none, never a MAC.
        if (!JoseJson.TryString(head, "alg", out var alg) || !_algorithms.Contains(alg))
        {
            return (null, DpopProofFault.Algorithm);
        }
        // RFC 7515 §4.1.11: no critical extension is understood here.
        if (head.TryGetProperty("crit", out _))
        {
            return (null, DpopProofFault.Malformed);
        }
        if (PublicKey(head) is not { } key)
        {
            return (null, DpopProofFault.Key);
        }
        // §4.3 check 6: the signature verifies with the proof's own jwk (and that key fits the alg: RFC 8725 §3.1).
        if (!key.Algorithms.Contains(alg) || !await VerifiesAsync(jwt, key.Key))
        {
            return (null, DpopProofFault.Signature);
        }
        if (!JoseJson.TryString(claims, "jti", out var jti) || jti.Length > MaxJtiLength
            || !JoseJson.TryString(claims, "htm", out var htm) || !JoseJson.TryString(claims, "htu", out var htu)
            || !claims.TryGetProperty("iat", out var iatValue) || iatValue.ValueKind != JsonValueKind.Number || !iatValue.TryGetInt64(out var iatSeconds))
        {
            return (null, DpopProofFault.Malformed);
        }
        var iat = DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(iatSeconds, 0, 253402300799));
        var nonce = JoseJson.TryString(claims, "nonce", out var n) ? n : null;
        var hasAth = claims.TryGetProperty("ath", out _);
        var ath = JoseJson.TryString(claims, "ath", out var a) ? a : null;
        return (new DpopProofClaims(key, jti, htm, htu, iat, nonce, hasAth, ath), default);
    }

    /// <summary>RFC 3986 §6.2.2–6.2.3: case of scheme and host, default port, dot segments, percent-encoding; query and fragment dropped (§4.3 check 9).</summary>
    public static string? Normalize(string uri) =>
        Uri.TryCreate(uri, UriKind.Absolute, out var parsed) && parsed.Scheme is "https" or "http" && !string.IsNullOrEmpty(parsed.Host)
            ? parsed.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped)
            : null;

    private static bool IsDpopType(string typ)
    {
        var type = typ.StartsWith("application/", StringComparison.OrdinalIgnoreCase) ? typ["application/".Length..] : typ;
        return type.Equals("dpop+jwt", StringComparison.OrdinalIgnoreCase);
    }

    // A client signs every proof with the same key: importing it once instead of per request took ES256 from ~204 to ~76 µs
    // (docs/performance.md, DpopProof). Keyed by the exact JSON, so a key is reused only for byte-identical members.
    private TrustedKey? PublicKey(JsonElement header)
    {
        if (!header.TryGetProperty("jwk", out var jwk) || jwk.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        var json = jwk.GetRawText();
        if (_keys.TryGetValue(json, out var known))
        {
            return known;
        }
        var key = ParsePublicKey(jwk, json);
        if (key is not null)
        {
            if (_keys.Count >= MaxCachedKeys)
            {
                _keys.Clear(); // bounded: junk keys only cost their own import again
            }
            _keys[json] = key;
        }
        return key;
    }

    // §4.2: jwk is a public key: no private or symmetric members; RSA (at least 2048 bits) or EC on the curve of alg.
    private TrustedKey? ParsePublicKey(JsonElement jwk, string json)
    {
        foreach (var member in PrivateMembers)
        {
            if (jwk.TryGetProperty(member, out _))
            {
                return null;
            }
        }
        try
        {
            return TrustedKey.TryCreate(new JsonWebKey(json), _algorithms, out var trusted) is null ? trusted : null;
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
            // typ, iat and the rest are RFC 9449's rules (above, and the receiver's), not an access token's.
            ValidateTokenReplay = false,
        });
        return result.IsValid;
    }
}
