using System.Buffers.Text;
using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace PhotoApi.Auth;

/// <summary>A proof that passed, or why it did not; <see cref="RenewNonce"/> when the client should get a fresh nonce (RFC 9449 §8.2).</summary>
public readonly record struct DpopProofResult(TokenRejection? Rejection, bool RenewNonce = false);

/// <summary>
/// RFC 9449 §4.3: checks one DPoP proof against the request it came with and the access token it accompanies. Parsing and
/// the signature check are IdentityModel's, with the proof's own <c>jwk</c> once it is known to be an allowed public key.
/// </summary>
public sealed class DpopProofValidator
{
    private const int MaxProofLength = 8 * 1024;
    private const int MaxJtiLength = 256;
    private static readonly JsonDocumentOptions Strict = new() { AllowDuplicateProperties = false, MaxDepth = 8 };

    // RFC 7517 §9.2 / RFC 7518 §6: members only a private or symmetric key has. A proof's jwk MUST NOT contain a private key (§4.2).
    private static readonly string[] PrivateMembers = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

    private const int MaxCachedKeys = 10_000;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, TrustedKey> _keys = new(StringComparer.Ordinal);
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false, MaximumTokenSizeInBytes = MaxProofLength };
    private readonly FrozenSet<string> _algorithms;
    private readonly TimeSpan _lifetime;
    private readonly TimeSpan _clockSkew;
    private readonly Uri? _resource;
    private readonly DpopNonce _nonce;
    private readonly IDpopReplayCache _replays;
    private readonly TimeProvider _time;

    public DpopProofValidator(IOptions<AuthOptions> options, DpopNonce nonce, IDpopReplayCache replays, TimeProvider time)
    {
        var auth = options.Value;
        _algorithms = auth.Dpop.Algorithms.ToFrozenSet(StringComparer.Ordinal);
        _lifetime = auth.Dpop.ProofLifetime;
        _clockSkew = auth.ClockSkew;
        _resource = auth.ResourceUri is { } resource ? new Uri(resource) : null;
        _nonce = nonce;
        _replays = replays;
        _time = time;
    }

    /// <summary>Checks <paramref name="proof"/> for <paramref name="request"/>, bound to <paramref name="accessToken"/> whose <c>cnf.jkt</c> is <paramref name="jkt"/>.</summary>
    public async ValueTask<DpopProofResult> ValidateAsync(string proof, HttpRequest request, string accessToken, string jkt)
    {
        if (proof.Length is 0 or > MaxProofLength)
        {
            return new(TokenRejection.DpopMalformed);
        }
        JsonWebToken jwt;
        try
        {
            jwt = new JsonWebToken(proof);
        }
        catch (Exception e) when (e is ArgumentException or SecurityTokenMalformedException or JsonException or FormatException)
        {
            return new(TokenRejection.DpopMalformed);
        }
        if (jwt.IsEncrypted)
        {
            return new(TokenRejection.DpopMalformed);
        }

        using var header = Parse(jwt.EncodedHeader);
        using var payload = Parse(jwt.EncodedPayload);
        if (header?.RootElement is not { ValueKind: JsonValueKind.Object } head || payload?.RootElement is not { ValueKind: JsonValueKind.Object } claims)
        {
            return new(TokenRejection.DpopMalformed);
        }
        // §4.2: typ is dpop+jwt (a media type: case-insensitive, "application/" optional, RFC 7515 §4.1.9).
        if (!head.TryGetProperty("typ", out var typ) || typ.ValueKind != JsonValueKind.String || !IsDpopType(typ.GetString()!))
        {
            return new(TokenRejection.DpopWrongType);
        }
        // §4.3 check 5: an asymmetric algorithm we allow; never none, never a MAC.
        if (!head.TryGetProperty("alg", out var alg) || alg.ValueKind != JsonValueKind.String || !_algorithms.Contains(alg.GetString()!))
        {
            return new(TokenRejection.DpopAlgorithm);
        }
        // RFC 7515 §4.1.11: no critical extension is understood here.
        if (head.TryGetProperty("crit", out _))
        {
            return new(TokenRejection.DpopMalformed);
        }
        if (PublicKey(head) is not { } key)
        {
            return new(TokenRejection.DpopKey);
        }
        // §4.3 check 6: the signature verifies with the proof's own jwk (and that key fits the alg: RFC 8725 §3.1).
        if (!key.Algorithms.Contains(jwt.Alg) || !await VerifiesAsync(jwt, key.Key))
        {
            return new(TokenRejection.DpopSignature);
        }

        if (!TryString(claims, "jti", out var jti) || jti.Length > MaxJtiLength
            || !TryString(claims, "htm", out var htm) || !TryString(claims, "htu", out var htu)
            || !claims.TryGetProperty("iat", out var iatValue) || iatValue.ValueKind != JsonValueKind.Number || !iatValue.TryGetInt64(out var iatSeconds))
        {
            return new(TokenRejection.DpopMalformed);
        }
        // §4.3 check 8: the method the client sent (HEAD stays HEAD while routed as GET); RFC 9110 §9.1: case-sensitive.
        if (!string.Equals(htm, Http.HeadRequests.ClientMethod(request.HttpContext), StringComparison.Ordinal))
        {
            return new(TokenRejection.DpopMethod);
        }
        // §4.3 check 9: htu and the request's URI compared after RFC 3986 §6 normalisation, without query and fragment.
        if (Normalize(htu) is not { } proofUri || !string.Equals(proofUri, RequestUri(request), StringComparison.Ordinal))
        {
            return new(TokenRejection.DpopUri);
        }
        // §4.3 check 11, §11.1: iat within the window; ahead of our clock by at most the clock skew.
        var now = _time.GetUtcNow();
        var iat = DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(iatSeconds, 0, 253402300799));
        if (iat > now + _clockSkew)
        {
            return new(TokenRejection.DpopFuture);
        }
        if (iat < now - _lifetime)
        {
            return new(TokenRejection.DpopStale);
        }
        // §4.3 check 10, §9: a nonce we issued, when nonces are on.
        var renew = false;
        if (_nonce.Required && (!TryString(claims, "nonce", out var nonce) || !_nonce.Check(nonce, out renew)))
        {
            return new(TokenRejection.DpopBadNonce);
        }
        // §4.3 check 12 / §7.1: ath is base64url(SHA-256(ASCII(access token))).
        if (!TryString(claims, "ath", out var ath) || !string.Equals(ath, AccessTokenHash(accessToken), StringComparison.Ordinal))
        {
            return new(TokenRejection.DpopAccessTokenHash);
        }
        // §6.1, §7.1: the token's cnf.jkt is the RFC 7638 thumbprint of the proof's key.
        if (!string.Equals(key.Thumbprint, jkt, StringComparison.Ordinal))
        {
            return new(TokenRejection.DpopKeyMismatch);
        }
        // §11.1: single use within the window; recorded last so that only proofs that passed use up a jti.
        return await _replays.TryUseAsync(key.Thumbprint, jti, iat + _lifetime) switch
        {
            ReplayCheck.New => new(null, renew),
            ReplayCheck.Replayed => new(TokenRejection.DpopReplayed),
            // Older than the in-process cache can still vouch for under load: §11.1 leaves the accepted age to the server.
            ReplayCheck.TooOld => new(TokenRejection.DpopStale),
            ReplayCheck.Unavailable => new(TokenRejection.DpopReplayCacheUnavailable),
            _ => new(TokenRejection.DpopReplayCacheFull),
        };
    }

    /// <summary>base64url(SHA-256(token)), the <c>ath</c> a proof for this token carries.</summary>
    public static string AccessTokenHash(string accessToken)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        var length = Encoding.ASCII.GetByteCount(accessToken);
        var bytes = length <= 8192 ? stackalloc byte[length] : new byte[length];
        Encoding.ASCII.GetBytes(accessToken, bytes);
        SHA256.HashData(bytes, digest);
        return Base64Url.EncodeToString(digest);
    }

    /// <summary>The request's public URL without query: Auth__ResourceUri's scheme, host and port when set, else the request's own.</summary>
    public string? RequestUri(HttpRequest request)
    {
        var origin = _resource is { } resource ? resource.GetLeftPart(UriPartial.Authority) : $"{request.Scheme}://{request.Host.ToUriComponent()}";
        return Normalize(origin + request.PathBase.ToUriComponent() + request.Path.ToUriComponent());
    }

    /// <summary>RFC 3986 §6.2.2–6.2.3: case of scheme and host, default port, dot segments, percent-encoding; query and fragment dropped.</summary>
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
        if (!jwk.TryGetProperty("kty", out var kty) || kty.ValueKind != JsonValueKind.String || kty.GetString() is not ("RSA" or "EC"))
        {
            return null;
        }
        try
        {
            var key = new JsonWebKey(json);
            return TrustedKey.TryCreate(key, _algorithms, out var trusted) is null ? trusted : null;
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
            // typ, iat and the rest are checked above and below, by RFC 9449's rules rather than an access token's.
            ValidateTokenReplay = false,
        });
        return result.IsValid;
    }

    private static bool TryString(JsonElement claims, string name, out string value)
    {
        if (claims.TryGetProperty(name, out var element) && element.ValueKind == JsonValueKind.String && element.GetString() is { Length: > 0 } text)
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
