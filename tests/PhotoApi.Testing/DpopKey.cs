namespace PhotoApi.Testing;

/// <summary>A client's DPoP key pair (RFC 9449 §2) and the proofs it signs, every member overridable for the attacks.</summary>
public sealed class DpopKey
{
    private DpopKey(SigningKey key)
    {
        Key = key;
        PublicJwk = key.PublicJwk.Where(m => m.Key is "kty" or "crv" or "x" or "y" or "n" or "e").ToDictionary(m => m.Key, m => m.Value);
        Thumbprint = Base64UrlEncoder.Encode(new JsonWebKey(JsonSerializer.Serialize(PublicJwk)).ComputeJwkThumbprint());
    }

    public SigningKey Key { get; }

    /// <summary>The public JWK a proof carries in its header.</summary>
    public Dictionary<string, object> PublicJwk { get; }

    /// <summary>RFC 7638 thumbprint: what the issuer puts in the token's <c>cnf.jkt</c>.</summary>
    public string Thumbprint { get; }

    /// <summary>The token claims that bind a token to this key.</summary>
    public Dictionary<string, object?> Cnf => new() { ["cnf"] = new Dictionary<string, object> { ["jkt"] = Thumbprint } };

    public static DpopKey EC(string algorithm = "ES256") => new(SigningKey.EC("dpop", algorithm));

    public static DpopKey Rsa(string algorithm = "PS256") => new(SigningKey.Rsa("dpop", algorithm));

    /// <summary>A proof for <paramref name="method"/> <paramref name="url"/> with <paramref name="accessToken"/>'s ath; null values remove members.</summary>
    public string Proof(
        string method,
        Uri url,
        string? accessToken,
        DateTimeOffset? issuedAt = null,
        string? nonce = null,
        IDictionary<string, object?>? header = null,
        IDictionary<string, object?>? claims = null,
        SigningKey? signWith = null)
    {
        var head = new Dictionary<string, object?> { ["typ"] = "dpop+jwt", ["alg"] = Key.Algorithm, ["jwk"] = PublicJwk };
        var payload = new Dictionary<string, object?>
        {
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["htm"] = method,
            ["htu"] = url.GetLeftPart(UriPartial.Path),
            ["iat"] = (issuedAt ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds(),
        };
        if (accessToken is not null)
        {
            payload["ath"] = Ath(accessToken);
        }
        if (nonce is not null)
        {
            payload["nonce"] = nonce;
        }
        Jws.Merge(head, header);
        Jws.Merge(payload, claims);
        return Jws.Encode(head, payload, signWith ?? Key);
    }

    /// <summary>A proof for a token request (RFC 9449 §5): POST <paramref name="url"/>, no access token; null values remove members.</summary>
    public string Proof(Uri url, IDictionary<string, object?>? header = null, IDictionary<string, object?>? claims = null, DateTimeOffset? issuedAt = null) =>
        Proof("POST", url, accessToken: null, issuedAt, header: header, claims: claims);

    /// <summary>base64url(SHA-256(token)) (RFC 9449 §4.2).</summary>
    public static string Ath(string accessToken) => Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(accessToken)));
}

/// <summary>Requests that carry a token with the DPoP scheme and proofs.</summary>
public static class DpopProofs
{
    /// <summary>GET/POST/... <paramref name="url"/> with <c>Authorization: DPoP token</c> and one <c>DPoP</c> header per proof given.</summary>
    public static HttpRequestMessage Request(HttpMethod method, Uri url, string token, params string[] proofs)
    {
        var request = new HttpRequestMessage(method, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("DPoP", token);
        foreach (var proof in proofs)
        {
            request.Headers.TryAddWithoutValidation("DPoP", proof);
        }
        return request;
    }
}
