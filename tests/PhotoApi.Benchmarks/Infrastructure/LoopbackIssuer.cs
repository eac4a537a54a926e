using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace PhotoApi.Benchmarks.Infrastructure;

/// <summary>
/// An authorization server's metadata on loopback (discovery + JWKS over HTTP, served by Kestrel) with one key per
/// benchmarked algorithm, and a minter for tokens those keys sign. The API reaches it through its normal trust path.
/// </summary>
public sealed class LoopbackIssuer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Dictionary<string, (SecurityKey Key, object Jwk)> _keys;
    private readonly JsonWebTokenHandler _handler = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _opaque = new(StringComparer.Ordinal);

    private LoopbackIssuer(WebApplication app, string authority, Dictionary<string, (SecurityKey, object)> keys)
    {
        _app = app;
        Authority = authority;
        _keys = keys;
    }

    /// <summary>The algorithms this issuer signs with, one key each.</summary>
    public static readonly string[] Algorithms = ["RS256", "PS256", "ES256"];

    public string Authority { get; }

    /// <summary>Starts listening on 127.0.0.1:<paramref name="port"/> (0: any free port).</summary>
    public static async Task<LoopbackIssuer> StartAsync(int port = 0)
    {
        var keys = new Dictionary<string, (SecurityKey, object)>(StringComparer.Ordinal)
        {
            ["RS256"] = Rsa("bench-rs256", "RS256"),
            ["PS256"] = Rsa("bench-ps256", "PS256"),
            ["ES256"] = EcP256("bench-es256"),
        };

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var authority = "";
        app.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = authority,
            ["jwks_uri"] = $"{authority}/jwks",
            ["id_token_signing_alg_values_supported"] = Algorithms,
            ["introspection_endpoint"] = $"{authority}/introspect",
        }));
        // RFC 7662: a token from MintOpaque is active for its subject; any other token is an active one for bench-user (the
        // benchmarks measure the resource server, not the issuer, so client authentication is not checked).
        LoopbackIssuer? self = null;
        app.MapPost("/introspect", async (HttpRequest request) =>
        {
            var form = await request.ReadFormAsync();
            var subject = self!._opaque.GetValueOrDefault(form["token"].ToString() ?? "", "bench-user");
            return Results.Json(new Dictionary<string, object>
            {
                ["active"] = true,
                ["iss"] = authority,
                ["sub"] = subject,
                ["client_id"] = "photoprint",
                ["aud"] = "photo-api",
                ["scope"] = "photos.read photos.write",
                ["exp"] = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds(),
                ["token_type"] = "Bearer",
            });
        });
        app.MapGet("/jwks", () => Results.Json(new Dictionary<string, object> { ["keys"] = keys.Values.Select(k => k.Item2).ToArray() }));
        await app.StartAsync();
        // Known only once Kestrel has bound the port; the handlers above read it when asked.
        authority = app.Urls.First().TrimEnd('/');
        self = new LoopbackIssuer(app, authority, keys);
        return self;
    }

    /// <summary>An RFC 9068 access token for <paramref name="subject"/>, signed with the key of <paramref name="algorithm"/>.</summary>
    public string Mint(string subject, string scope, string algorithm = "RS256", TimeSpan? lifetime = null, IDictionary<string, object>? claims = null)
    {
        var (key, _) = _keys[algorithm];
        var now = DateTime.UtcNow;
        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Authority,
            Audience = "photo-api",
            IssuedAt = now,
            NotBefore = now,
            Expires = now + (lifetime ?? TimeSpan.FromHours(2)),
            TokenType = "at+jwt",
            Subject = new ClaimsIdentity([new Claim("sub", subject)]),
            Claims = new Dictionary<string, object>
            {
                ["scope"] = scope,
                ["client_id"] = "photo-bench",
                ["jti"] = Guid.NewGuid().ToString("N"),
            }.Concat(claims ?? new Dictionary<string, object>()).ToDictionary(),
            SigningCredentials = new SigningCredentials(key, algorithm),
        });
    }

    /// <summary>An opaque (reference) token for <paramref name="subject"/>: 32 random bytes that only the introspection endpoint can resolve.</summary>
    public string MintOpaque(string subject)
    {
        var token = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        _opaque[token] = subject;
        return token;
    }

    private static (SecurityKey, object) Rsa(string keyId, string algorithm)
    {
        var rsa = RSA.Create(2048);
        var parameters = rsa.ExportParameters(false);
        return (new RsaSecurityKey(rsa) { KeyId = keyId }, new Dictionary<string, string>
        {
            ["kty"] = "RSA",
            ["use"] = "sig",
            ["kid"] = keyId,
            ["alg"] = algorithm,
            ["n"] = Base64UrlEncoder.Encode(parameters.Modulus),
            ["e"] = Base64UrlEncoder.Encode(parameters.Exponent),
        });
    }

    private static (SecurityKey, object) EcP256(string keyId)
    {
        var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var parameters = ecdsa.ExportParameters(false);
        return (new ECDsaSecurityKey(ecdsa) { KeyId = keyId }, new Dictionary<string, string>
        {
            ["kty"] = "EC",
            ["use"] = "sig",
            ["kid"] = keyId,
            ["alg"] = "ES256",
            ["crv"] = "P-256",
            ["x"] = Base64UrlEncoder.Encode(parameters.Q.X),
            ["y"] = Base64UrlEncoder.Encode(parameters.Q.Y),
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
