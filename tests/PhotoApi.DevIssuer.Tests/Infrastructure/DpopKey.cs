using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace PhotoApi.DevIssuer.Tests.Infrastructure;

/// <summary>A client's DPoP key (RFC 9449 §2): an EC P-256 pair that signs proofs, every member overridable for the attacks.</summary>
public sealed class DpopKey : IDisposable
{
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public DpopKey()
    {
        var parameters = _key.ExportParameters(includePrivateParameters: false);
        PublicJwk = new Dictionary<string, object>
        {
            ["kty"] = "EC",
            ["crv"] = "P-256",
            ["x"] = Base64UrlEncoder.Encode(parameters.Q.X!),
            ["y"] = Base64UrlEncoder.Encode(parameters.Q.Y!),
        };
        Thumbprint = Base64UrlEncoder.Encode(new JsonWebKey(JsonSerializer.Serialize(PublicJwk)).ComputeJwkThumbprint());
    }

    public Dictionary<string, object> PublicJwk { get; }

    /// <summary>RFC 7638 thumbprint: what the issuer puts in <c>cnf.jkt</c>.</summary>
    public string Thumbprint { get; }

    /// <summary>A proof for POST <paramref name="url"/>; a null value in <paramref name="header"/> or <paramref name="claims"/> removes the member.</summary>
    public string Proof(Uri url, IDictionary<string, object?>? header = null, IDictionary<string, object?>? claims = null, DateTimeOffset? issuedAt = null)
    {
        var head = new Dictionary<string, object?> { ["typ"] = "dpop+jwt", ["alg"] = "ES256", ["jwk"] = PublicJwk };
        var payload = new Dictionary<string, object?>
        {
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["htm"] = "POST",
            ["htu"] = url.AbsoluteUri,
            ["iat"] = (issuedAt ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds(),
        };
        Merge(head, header);
        Merge(payload, claims);
        var signingInput = Segment(head) + "." + Segment(payload);
        // JWS ES256 (RFC 7518 §3.4): the IEEE P1363 r||s signature .NET produces by default.
        return signingInput + "." + Base64UrlEncoder.Encode(_key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256));
    }

    public void Dispose() => _key.Dispose();

    private static string Segment(Dictionary<string, object?> json) => Base64UrlEncoder.Encode(JsonSerializer.SerializeToUtf8Bytes(json));

    private static void Merge(Dictionary<string, object?> target, IDictionary<string, object?>? changes)
    {
        foreach (var (name, value) in changes ?? new Dictionary<string, object?>())
        {
            if (value is null)
            {
                target.Remove(name);
            }
            else
            {
                target[name] = value;
            }
        }
    }
}
