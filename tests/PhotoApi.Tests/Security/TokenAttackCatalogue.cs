using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace PhotoApi.Tests.Security;

/// <summary>How one attack is sent: the Authorization header value(s), rarely a query string; Raw sends each value as its own header line.</summary>
public sealed record AttackRequest(string[] Authorization, string Query = "", bool Raw = false);

/// <summary>One row of the catalogue: how the token is made, and what PhotoApi must answer.</summary>
public sealed record TokenAttack(string Name, Func<TestIssuer, AttackRequest> Make, HttpStatusCode Status, string? Error, string? Description);

/// <summary>
/// Every way of presenting a token PhotoApi must refuse, as data: adding a case is one line. Each must get the status and
/// RFC 6750 error listed, serve nothing and write nothing (see <see cref="TokenAttackTests"/>).
/// </summary>
public static class TokenAttackCatalogue
{
    private const string Malformed = "The access token is malformed.";
    private const string BadSignature = "The access token signature is invalid.";
    private const string Untrusted = "The access token was not issued by a trusted authorization server.";
    private const string UnknownKey = "The access token is signed with an unknown key.";
    private const string WrongAudience = "The access token is not intended for this resource.";
    private const string AlgorithmNotAllowed = "The access token is signed with an algorithm that is not allowed.";
    private const string WrongClaimType = "The access token has a claim of the wrong JSON type.";

    private static readonly HttpStatusCode Unauthorized = HttpStatusCode.Unauthorized;

    /// <summary>A key pair nobody trusts.</summary>
    public static readonly SigningKey Attacker = SigningKey.Rsa("attacker");

    public static readonly TokenAttack[] All =
    [
        // Algorithm confusion
        new("alg none, empty signature", i => Bearer(Jws.Encode(Header(i, alg: "none"), Payload(i), key: null)), Unauthorized, "invalid_token", null),
        new("alg none, no signature part", i => Bearer(Jws.Encode(Header(i, alg: "none"), Payload(i), key: null).TrimEnd('.')), Unauthorized, "invalid_token", Malformed),
        new("alg None (mixed case)", i => Bearer(Jws.Encode(Header(i, alg: "None"), Payload(i), key: null)), Unauthorized, "invalid_token", null),
        new("HS256 keyed with the public key as PEM", i => Bearer(Hmac(i, "HS256", Encoding.ASCII.GetBytes(i.CurrentKey.PublicPem()))), Unauthorized, "invalid_token", AlgorithmNotAllowed),
        new("HS384 keyed with the public key as JWK JSON", i => Bearer(Hmac(i, "HS384", Encoding.UTF8.GetBytes(i.CurrentKey.PublicJwkJson()))), Unauthorized, "invalid_token", AlgorithmNotAllowed),
        new("HS512 keyed with the modulus bytes", i => Bearer(Hmac(i, "HS512", i.CurrentKey.Modulus())), Unauthorized, "invalid_token", AlgorithmNotAllowed),
        new("RS256 header on an ES256 signature", i => Bearer(Jws.Encode(Header(i, alg: "RS256"), Payload(i), SigningKey.EC(i.CurrentKey.KeyId))), Unauthorized, "invalid_token", BadSignature),

        // Keys the token brings with it must never be used or fetched
        new("embedded jwk", i => Embedded(i, "jwk", _ => JsonSerializer.Deserialize<object>(Attacker.PublicJwkJson())!), Unauthorized, "invalid_token", BadSignature),
        new("jku pointing elsewhere", i => Embedded(i, "jku", _ => "http://127.0.0.1:9/attacker-jwks"), Unauthorized, "invalid_token", BadSignature),
        new("x5u pointing elsewhere", i => Embedded(i, "x5u", _ => "http://127.0.0.1:9/attacker.pem"), Unauthorized, "invalid_token", BadSignature),
        new("x5c with the attacker's certificate", i => Embedded(i, "x5c", _ => new[] { Convert.ToBase64String(Encoding.ASCII.GetBytes("not-a-real-certificate")) }), Unauthorized, "invalid_token", BadSignature),

        // kid games
        new("kid with path traversal", i => Kid(i, "../../../../etc/passwd"), Unauthorized, "invalid_token", UnknownKey),
        new("kid with SQL", i => Kid(i, "x' OR '1'='1"), Unauthorized, "invalid_token", UnknownKey),
        new("kid as a URL", i => Kid(i, "http://127.0.0.1:9/key.pem"), Unauthorized, "invalid_token", UnknownKey),
        new("unknown kid", i => Kid(i, "never-published"), Unauthorized, "invalid_token", UnknownKey),
        new("right kid, wrong key", i => Bearer(i.Token("alice", key: i.CurrentKey.Impostor())), Unauthorized, "invalid_token", BadSignature),

        // Tampering after signing
        new("scope widened after signing", i => Bearer(Tamper(i.Token("alice", "photos.read"), p => p["scope"] = "photos.read photos.write photos.admin")), Unauthorized, "invalid_token", BadSignature),
        new("sub changed after signing", i => Bearer(Tamper(i.Token("alice"), p => p["sub"] = "bob")), Unauthorized, "invalid_token", BadSignature),

        // Lifetime
        new("expired beyond the skew", i => Bearer(i.Token("alice", claims: Claims(("exp", Unix(-120)), ("iat", Unix(-600)), ("nbf", Unix(-600))))), Unauthorized, "invalid_token", "The access token expired."),
        new("not valid yet", i => Bearer(i.Token("alice", claims: Claims(("nbf", Unix(600)), ("exp", Unix(1200))))), Unauthorized, "invalid_token", "The access token is not valid yet."),
        new("no exp", i => Bearer(i.Token("alice", claims: Claims(("exp", null)))), Unauthorized, "invalid_token", "The access token has no expiration time."),

        // Issuer
        new("untrusted iss", i => Bearer(i.Token("alice", claims: Claims(("iss", "https://evil.example")))), Unauthorized, "invalid_token", Untrusted),
        new("iss with a trailing slash", i => Bearer(i.Token("alice", claims: Claims(("iss", i.Authority + "/")))), Unauthorized, "invalid_token", Untrusted),
        new("iss in upper case", i => Bearer(i.Token("alice", claims: Claims(("iss", i.Authority.ToUpperInvariant())))), Unauthorized, "invalid_token", Untrusted),
        new("no iss", i => Bearer(i.Token("alice", claims: Claims(("iss", null)))), Unauthorized, "invalid_token", Untrusted),

        // Audience
        new("another API's aud", i => Bearer(i.Token("alice", audience: "billing-api")), Unauthorized, "invalid_token", WrongAudience),
        new("aud array without ours", i => Bearer(i.Token("alice", claims: Claims(("aud", new[] { "billing-api", "mail-api" })))), Unauthorized, "invalid_token", WrongAudience),
        new("no aud", i => Bearer(i.Token("alice", claims: Claims(("aud", null)))), Unauthorized, "invalid_token", WrongAudience),

        // Shapes
        new("JWE (encrypted) token", i => Bearer(Jwe()), Unauthorized, "invalid_token", "Encrypted access tokens are not accepted."),
        new("duplicate JSON members", i => Bearer(Duplicate(i)), Unauthorized, "invalid_token", "The access token has duplicate JSON members."),
        new("non-base64url characters", i => Bearer(i.Token("alice").Replace('.', '!')), Unauthorized, "invalid_token", Malformed),
        new("padding inside the token", i => Bearer(i.Token("alice").Insert(10, "=")), Unauthorized, "invalid_token", Malformed),
        new("not a JWT at all", _ => Bearer("hello"), Unauthorized, "invalid_token", Malformed),
        new("token of 20 KiB", _ => Bearer(new string('a', 20 * 1024)), Unauthorized, "invalid_token", "The access token is too large."),
        // Above Kestrel's 32 KiB header limit the request never reaches the app: 431 from the server, no body.
        new("token of 64 KiB", _ => new AttackRequest([$"Bearer {new string('a', 64 * 1024)}"], Raw: true), HttpStatusCode.RequestHeaderFieldsTooLarge, null, null),
        new("token of 1 MiB", _ => new AttackRequest([$"Bearer {new string('a', 1024 * 1024)}"], Raw: true), HttpStatusCode.RequestHeaderFieldsTooLarge, null, null),

        // JOSE/JWT MUSTs IdentityModel does not enforce (SECURITY.md, "JOSE and JWT rules"); each validly signed by the trusted key
        new("crit naming an unknown extension (RFC 7515 §4.1.11)", i => Signed(i, header: H(("crit", new[] { "urn:example:ext" }), ("urn:example:ext", true))), Unauthorized, "invalid_token",
            "The access token names a critical header extension this resource server does not support."),
        new("crit naming b64 (RFC 7797)", i => Signed(i, header: H(("crit", new[] { "b64" }), ("b64", false))), Unauthorized, "invalid_token",
            "The access token names a critical header extension this resource server does not support."),
        new("b64 false without crit (RFC 7797)", i => Signed(i, header: H(("b64", false))), Unauthorized, "invalid_token", "Access tokens with an unencoded payload (b64) are not accepted."),
        new("kid as a number", i => Signed(i, header: H(("kid", 7))), Unauthorized, "invalid_token", null),
        new("exp as a string (RFC 7519 §2 NumericDate)", i => Signed(i, Claims(("exp", Unix(600).ToString(System.Globalization.CultureInfo.InvariantCulture)))), Unauthorized, "invalid_token", WrongClaimType),
        new("nbf as a string", i => Signed(i, Claims(("nbf", Unix(-10).ToString(System.Globalization.CultureInfo.InvariantCulture)))), Unauthorized, "invalid_token", WrongClaimType),
        new("iat as a fractional string", i => Signed(i, Claims(("iat", "1.7e9"))), Unauthorized, "invalid_token", WrongClaimType),
        new("iss as a number (RFC 7519 §4.1.1)", i => Signed(i, Claims(("iss", 12345))), Unauthorized, "invalid_token", null),
        new("jti as a number (RFC 7519 §4.1.7)", i => Signed(i, Claims(("jti", 12345))), Unauthorized, "invalid_token", Malformed), // IdentityModel's parser refuses it
        new("sub as a number (RFC 7519 §4.1.2)", i => Signed(i, Claims(("sub", 42))), Unauthorized, "invalid_token", WrongClaimType),
        new("aud with a non-string member (RFC 7519 §4.1.3)", i => Signed(i, Claims(("aud", new object[] { "photo-api", 7 }))), Unauthorized, "invalid_token", Malformed), // IdentityModel's own parser already refuses it
        new("aud with a trailing slash", i => Signed(i, Claims(("aud", "photo-api/"))), Unauthorized, "invalid_token", WrongAudience),
        new("aud in upper case", i => Signed(i, Claims(("aud", "PHOTO-API"))), Unauthorized, "invalid_token", WrongAudience),
        new("scope as an array (RFC 8693 §4.2)", i => Signed(i, Claims(("scope", new[] { "photos.read", "photos.write" }))), Unauthorized, "invalid_token", WrongClaimType),
        new("iat in the future beyond the skew", i => Signed(i, Claims(("iat", Unix(600)), ("nbf", null), ("exp", Unix(1200)))), Unauthorized, "invalid_token", "The access token was issued in the future."),
        new("typ JWT where at+jwt is required (RFC 9068 §4)", i => Signed(i, header: H(("typ", "JWT"))), Unauthorized, "invalid_token",
            "The token type is not accepted; an RFC 9068 access token (typ at+jwt) is required."),
        new("no typ where at+jwt is required", i => Signed(i, header: H(("typ", null))), Unauthorized, "invalid_token",
            "The token type is not accepted; an RFC 9068 access token (typ at+jwt) is required."),
        new("ID token claims (nonce, at_hash)", i => Signed(i, Claims(("nonce", "n-0S6_WzA2Mj"), ("at_hash", "77QmUPtjPfzWtF2AnpK9RQ"))), Unauthorized, "invalid_token", "The token is not an access token."),
        new("ES256 header for an RSA key's kid", i => Bearer(Jws.Encode(Header(i, alg: "ES256"), Payload(i), SigningKey.EC(i.CurrentKey.KeyId))), Unauthorized, "invalid_token",
            "The access token's algorithm is not one its signing key may be used with."),

        // The Authorization header itself
        new("empty Bearer value", _ => new AttackRequest(["Bearer"]), Unauthorized, "invalid_token", Malformed),
        new("Bearer followed by spaces", _ => new AttackRequest(["Bearer    "]), Unauthorized, "invalid_token", Malformed),
        // RFC 6750 §3.1 invalid_request: a repeated parameter / more than one way of sending credentials is a 400.
        new("two Authorization header lines", i => new AttackRequest([$"Bearer {i.Token("alice")}", $"Bearer {i.Token("bob")}"], Raw: true), HttpStatusCode.BadRequest, "invalid_request", "The request carries more than one Authorization header."),
        new("two Bearer tokens in one header", i => new AttackRequest([$"Bearer {i.Token("alice")}, Bearer {i.Token("bob")}"]), Unauthorized, "invalid_token", Malformed),
        new("token in ?access_token= only", i => new AttackRequest([], $"?access_token={i.Token("alice")}"), Unauthorized, null, null),
    ];

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var attack in All)
        {
            data.Add(attack.Name);
        }
        return data;
    }

    public static TokenAttack Named(string name) => All.Single(a => a.Name == name);

    private static AttackRequest Bearer(string token) => new([$"Bearer {token}"]);

    // Validly signed by the issuer's own key: only the defect under test is wrong.
    private static AttackRequest Signed(TestIssuer issuer, Dictionary<string, object?>? claims = null, Dictionary<string, object?>? header = null) =>
        Bearer(issuer.Token(ApiFixture.NewSubject("alice"), "photos.read photos.write", claims, header));

    private static Dictionary<string, object?> H(params (string Name, object? Value)[] members) => members.ToDictionary(m => m.Name, m => m.Value);

    private static long Unix(int secondsFromNow) => DateTimeOffset.UtcNow.AddSeconds(secondsFromNow).ToUnixTimeSeconds();

    private static Dictionary<string, object?> Claims(params (string Name, object? Value)[] claims) => claims.ToDictionary(c => c.Name, c => c.Value);

    private static Dictionary<string, object> Header(TestIssuer issuer, string alg) => new() { ["alg"] = alg, ["kid"] = issuer.CurrentKey.KeyId, ["typ"] = "at+jwt" };

    private static Dictionary<string, object> Payload(TestIssuer issuer) => new()
    {
        ["iss"] = issuer.Authority,
        ["sub"] = "alice",
        ["aud"] = "photo-api",
        ["exp"] = Unix(600),
        ["iat"] = Unix(0),
        ["scope"] = "photos.read photos.write",
    };

    private static string Hmac(TestIssuer issuer, string alg, byte[] secret) => Jws.EncodeHmac(Header(issuer, alg), Payload(issuer), secret, alg);

    // Signed by the attacker, who points at their own key from the header.
    private static AttackRequest Embedded(TestIssuer issuer, string member, Func<TestIssuer, object> value)
    {
        var header = new Dictionary<string, object> { ["alg"] = "RS256", ["kid"] = issuer.CurrentKey.KeyId, ["typ"] = "at+jwt", [member] = value(issuer) };
        return Bearer(Jws.Encode(header, Payload(issuer), Attacker));
    }

    private static AttackRequest Kid(TestIssuer issuer, string kid) =>
        Bearer(issuer.Token("alice", header: new Dictionary<string, object?> { ["kid"] = kid }));

    private static string Tamper(string token, Action<Dictionary<string, object>> change)
    {
        var parts = token.Split('.');
        var payload = JsonSerializer.Deserialize<Dictionary<string, object>>(Base64UrlEncoder.Decode(parts[1]))!;
        change(payload);
        return $"{parts[0]}.{Base64UrlEncoder.Encode(JsonSerializer.Serialize(payload))}.{parts[2]}";
    }

    private static string Jwe() =>
        $"{Base64UrlEncoder.Encode("{\"alg\":\"RSA-OAEP\",\"enc\":\"A256GCM\",\"typ\":\"at+jwt\"}")}.{Base64UrlEncoder.Encode("key")}.{Base64UrlEncoder.Encode("iv-iv-iv-iv")}.{Base64UrlEncoder.Encode("ciphertext")}.{Base64UrlEncoder.Encode("tag")}";

    // Validly signed by the real issuer key, with "sub" twice: a parser that keeps the last one would see "bob".
    private static string Duplicate(TestIssuer issuer)
    {
        var header = $"{{\"alg\":\"{issuer.CurrentKey.Algorithm}\",\"kid\":\"{issuer.CurrentKey.KeyId}\",\"typ\":\"at+jwt\"}}";
        var payload = $"{{\"iss\":\"{issuer.Authority}\",\"sub\":\"alice\",\"sub\":\"bob\",\"aud\":\"photo-api\",\"exp\":{Unix(600)},\"scope\":\"photos.read\"}}";
        return Jws.EncodeRaw(header, payload, issuer.CurrentKey);
    }
}
