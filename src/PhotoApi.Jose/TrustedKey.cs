using System.Collections.Frozen;
using Microsoft.IdentityModel.Tokens;

namespace PhotoApi.Jose;

/// <summary>A public key PhotoApi verifies with (an issuer's, or a DPoP proof's own): the JWK, its RFC 7638 thumbprint, and the algorithms it may verify.</summary>
public sealed class TrustedKey
{
    private TrustedKey(JsonWebKey key, string thumbprint, FrozenSet<string> algorithms)
    {
        Key = key;
        Thumbprint = thumbprint;
        Algorithms = algorithms;
    }

    public JsonWebKey Key { get; }

    /// <summary>RFC 7638 SHA-256 thumbprint, base64url: what a cached validation is bound to.</summary>
    public string Thumbprint { get; }

    /// <summary>RFC 8725 §3.1: the algorithms this key may be used with (its JWK <c>alg</c>, else what its type and curve allow).</summary>
    public FrozenSet<string> Algorithms { get; }

    /// <summary>
    /// Why a JWK cannot verify any allowed algorithm, or null with the key when it can. RFC 7517 §4.2 (<c>use</c>), §4.3
    /// (<c>key_ops</c>), §4.4 (<c>alg</c>); RFC 7518 §3.3 (RSA at least 2048 bits), §3.4 (the curve fixes the ES algorithm).
    /// </summary>
    public static string? TryCreate(JsonWebKey jwk, IReadOnlyCollection<string> allowed, out TrustedKey? key)
    {
        key = null;
        if (jwk.Use is { Length: > 0 } use && use != JsonWebKeyUseNames.Sig)
        {
            return $"use is '{use}', not 'sig'";
        }
        if (jwk.KeyOps.Count > 0 && !jwk.KeyOps.Contains("verify"))
        {
            return "key_ops does not include 'verify'";
        }
        IEnumerable<string> byType;
        switch (jwk.Kty)
        {
            case JsonWebAlgorithmsKeyTypes.RSA:
                if (string.IsNullOrEmpty(jwk.N) || string.IsNullOrEmpty(jwk.E))
                {
                    return "RSA key without n and e";
                }
                if (ModulusBits(jwk.N) < 2048)
                {
                    return "RSA key shorter than 2048 bits";
                }
                byType = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"];
                break;
            case JsonWebAlgorithmsKeyTypes.EllipticCurve:
                string? algorithm = jwk.Crv switch { "P-256" => "ES256", "P-384" => "ES384", "P-521" => "ES512", _ => null };
                if (algorithm is null || string.IsNullOrEmpty(jwk.X) || string.IsNullOrEmpty(jwk.Y))
                {
                    return "EC key without a supported curve, x and y";
                }
                byType = [algorithm];
                break;
            default:
                return $"key type '{jwk.Kty}' is not an allowed signature key type";
        }
        var algorithms = byType.Where(a => allowed.Contains(a) && (string.IsNullOrEmpty(jwk.Alg) || jwk.Alg == a)).ToFrozenSet(StringComparer.Ordinal);
        if (algorithms.Count == 0)
        {
            return string.IsNullOrEmpty(jwk.Alg) ? "no allowed algorithm fits the key" : $"its alg '{jwk.Alg}' is not allowed for its type or curve";
        }
        if (!jwk.CanComputeJwkThumbprint())
        {
            return "no RFC 7638 thumbprint can be computed";
        }
        key = new TrustedKey(jwk, Base64UrlEncoder.Encode(jwk.ComputeJwkThumbprint()), algorithms);
        return null;
    }

    private static int ModulusBits(string n)
    {
        try
        {
            var bytes = Base64UrlEncoder.DecodeBytes(n).AsSpan();
            while (bytes.Length > 0 && bytes[0] == 0)
            {
                bytes = bytes[1..];
            }
            return bytes.Length == 0 ? 0 : ((bytes.Length - 1) * 8) + (32 - System.Numerics.BitOperations.LeadingZeroCount((uint)bytes[0]));
        }
        catch (FormatException)
        {
            return 0;
        }
    }
}
