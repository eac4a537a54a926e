using System.Collections.Frozen;
using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;

namespace PhotoApi.Benchmarks.Micro;

/// <summary>
/// Scope parsing: <see cref="TokenProfile.CreateIdentity"/> reads scopes (space-delimited <c>scope</c>, or Keycloak's
/// <c>realm_access.roles</c> JSON), maps them and builds the identity. It runs once per token; the cache serves the rest.
/// </summary>
[MemoryDiagnoser]
public class ScopeBenchmarks
{
    private readonly Dictionary<string, (JsonWebToken Token, ClaimReader Claims, TrustedIssuer Issuer)> _cases = new(StringComparer.Ordinal);

    [Params("generic", "keycloak")]
    public string Profile { get; set; } = "generic";

    [GlobalSetup]
    public void Setup()
    {
        var handler = new JsonWebTokenHandler();
        var claims = new Dictionary<string, object>
        {
            ["sub"] = "alice",
            ["client_id"] = "photoprint",
            ["azp"] = "photoprint",
            ["scope"] = "openid profile photos.read photos.write",
            ["realm_access"] = new Dictionary<string, object> { ["roles"] = new[] { "offline_access", "photos.read", "photos.write" } },
        };
        var token = new JsonWebToken(handler.CreateToken(new Microsoft.IdentityModel.Tokens.SecurityTokenDescriptor
        {
            Issuer = "https://issuer.example",
            Audience = "photo-api",
            Expires = DateTime.UtcNow.AddHours(1),
            Claims = claims,
        }));
        var identity = new ClaimReader(token.Claims.ToList());
        var issuer = new TrustedIssuer("https://issuer.example", "https://issuer.example/.well-known/openid-configuration", "photo-api",
            TokenProfiles.All[Profile], FrozenDictionary<string, string>.Empty, requireAccessTokenType: false, requireEntitlement: false,
            keys: i => new IssuerKeySource(i, new HttpClient(), new AuthOptions(), TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<IssuerKeySource>.Instance));
        _cases[Profile] = (token, identity, issuer);
    }

    [Benchmark]
    public int CreateIdentity()
    {
        var (token, claims, issuer) = _cases[Profile];
        return issuer.Profile.CreateIdentity(token, claims, issuer).Scopes.Count;
    }
}
