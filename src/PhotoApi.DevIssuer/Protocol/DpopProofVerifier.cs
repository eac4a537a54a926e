using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using PhotoApi.Jose;

namespace PhotoApi.DevIssuer.Protocol;

/// <summary>A DPoP proof that passed (its key's RFC 7638 thumbprint), or why it did not.</summary>
public readonly record struct DpopProofCheck(string? Thumbprint, string? Error, bool NonceMissing = false);

/// <summary>
/// RFC 9449 §4.3 at the token endpoint (§5). The checks that need no request (form, typ, alg, jwk, signature) are the shared
/// <see cref="DpopProofReader"/>'s, as in the API; these are the rest, for the one URL and method a token request has.
/// </summary>
public sealed class DpopProofVerifier(TimeProvider time, DpopNonces nonces)
{
    /// <summary>Asymmetric algorithms only (§4.3 check 5); the API accepts the same list by default.</summary>
    public static readonly string[] Algorithms = ["ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "RS256", "RS384", "RS512"];

    /// <summary>How old a proof's iat may be; its jti is remembered this long (§11.1).</summary>
    public static readonly TimeSpan ProofLifetime = TimeSpan.FromMinutes(1);

    private static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);
    private const int MaxRemembered = 100_000;

    private readonly DpopProofReader _reader = new(Algorithms);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _usedJtis = new(StringComparer.Ordinal);

    /// <summary>Checks one proof sent with a POST to the token endpoint, known by any of <paramref name="tokenEndpoints"/>.</summary>
    public async ValueTask<DpopProofCheck> VerifyAsync(string proof, IReadOnlyCollection<Uri> tokenEndpoints)
    {
        var (claims, fault) = await _reader.ReadAsync(proof);
        if (claims is null)
        {
            return Fail(fault switch
            {
                DpopProofFault.WrongType => "The DPoP proof's typ must be dpop+jwt.",
                DpopProofFault.Algorithm => $"The DPoP proof's alg must be one of {string.Join(", ", Algorithms)}.",
                DpopProofFault.Key => "The DPoP proof's jwk must be a public RSA (2048 bits or more) or EC key.",
                DpopProofFault.Signature => "The DPoP proof's signature does not verify with its jwk, or its jwk does not fit its alg.",
                _ => "The DPoP proof is not a JWS with JSON header and payload, jti, htm, htu and a numeric iat, and no crit header.",
            });
        }
        // §4.3 check 8: a token request is a POST (RFC 9110 §9.1: methods are case-sensitive).
        if (!string.Equals(claims.Htm, HttpMethods.Post, StringComparison.Ordinal))
        {
            return Fail("The DPoP proof's htm must be POST.");
        }
        // §4.3 check 9: htu compared with the token endpoint after RFC 3986 §6 normalisation, without query and fragment.
        if (DpopProofReader.Normalize(claims.Htu) is not { } proofUri
            || !tokenEndpoints.Any(endpoint => string.Equals(proofUri, DpopProofReader.Normalize(endpoint.AbsoluteUri), StringComparison.Ordinal)))
        {
            return Fail("The DPoP proof's htu must be the token endpoint's URL.");
        }
        // §4.3 check 11, §11.1: iat within the window; ahead of our clock by at most the clock skew.
        var now = time.GetUtcNow();
        if (claims.IssuedAt > now + ClockSkew || claims.IssuedAt < now - ProofLifetime)
        {
            return Fail("The DPoP proof's iat is outside the accepted window.");
        }
        // §4.3 check 12 applies to resource requests only (§7.1); a proof with ath was made for a resource, not for this endpoint.
        if (claims.HasAth)
        {
            return Fail("A DPoP proof for the token endpoint must not carry ath.");
        }
        // §8, §4.3 check 10: a nonce this issuer handed out, when nonces are required.
        if (nonces.Required && (claims.Nonce is not { } nonce || !nonces.Check(nonce)))
        {
            return new(null, "The authorization server requires a nonce in the DPoP proof.", NonceMissing: true);
        }

        var thumbprint = claims.Key.Thumbprint;
        // §11.1: single use within the window; recorded last so that only proofs that passed use up a jti.
        return Remember(thumbprint, claims.Jti, claims.IssuedAt + ProofLifetime + ClockSkew, now)
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

    private static DpopProofCheck Fail(string description) => new(null, description);
}
