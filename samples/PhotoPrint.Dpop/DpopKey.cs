using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace PhotoPrint.Dpop;

/// <summary>
/// The client's DPoP key pair (RFC 9449 §2): EC P-256, made once per run and never sent anywhere but as the public
/// <c>jwk</c> of each proof. Proofs are signed with IdentityModel's JsonWebTokenHandler.
/// </summary>
public sealed class DpopKey : IDisposable
{
    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly ECDsa _key;
    private readonly SigningCredentials _credentials;
    private readonly Dictionary<string, object> _publicJwk;
    private readonly TimeProvider _time;

    public DpopKey(TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        _credentials = new SigningCredentials(new ECDsaSecurityKey(_key), SecurityAlgorithms.EcdsaSha256);
        var point = _key.ExportParameters(includePrivateParameters: false).Q;
        // §4.2: the public key only, as a JWK (RFC 7517): the members RFC 7638 hashes, nothing else.
        _publicJwk = new()
        {
            ["kty"] = "EC",
            ["crv"] = "P-256",
            ["x"] = Base64UrlEncoder.Encode(point.X!),
            ["y"] = Base64UrlEncoder.Encode(point.Y!),
        };
        Thumbprint = Base64UrlEncoder.Encode(new JsonWebKey(JsonSerializer.Serialize(_publicJwk)).ComputeJwkThumbprint());
    }

    /// <summary>RFC 7638 thumbprint: what a bound token's <c>cnf.jkt</c> says.</summary>
    public string Thumbprint { get; }

    /// <summary>
    /// A proof for one request (§4.2): <c>htm</c>, <c>htu</c> without query and fragment, a fresh <c>jti</c>, <c>iat</c> now;
    /// <c>ath</c> when it goes with an access token (§4.3 check 12), <c>nonce</c> when the server asked for one (§8, §9).
    /// </summary>
    public string CreateProof(HttpMethod method, Uri url, string? accessToken = null, string? nonce = null)
    {
        var claims = new Dictionary<string, object>
        {
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["htm"] = method.Method,
            ["htu"] = url.GetLeftPart(UriPartial.Path),
            ["iat"] = _time.GetUtcNow().ToUnixTimeSeconds(),
        };
        if (accessToken is not null)
        {
            claims["ath"] = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(accessToken)));
        }
        if (nonce is not null)
        {
            claims["nonce"] = nonce;
        }
        return Handler.CreateToken(new SecurityTokenDescriptor
        {
            TokenType = "dpop+jwt",
            Claims = claims,
            AdditionalHeaderClaims = new Dictionary<string, object> { ["jwk"] = _publicJwk },
            SigningCredentials = _credentials,
        });
    }

    public void Dispose() => _key.Dispose();
}
