using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace PhotoApi.DevIssuer.Tests.Infrastructure;

/// <summary>A decoded JWT: its header and payload as JSON, for asserting exact claim shapes.</summary>
public sealed record Jwt(JsonElement Header, JsonElement Payload)
{
    public static Jwt Decode(string token)
    {
        var parts = token.Split('.');
        Assert.Equal(3, parts.Length); // A JWS, not an encrypted JWE (5 parts).
        return new Jwt(Parse(parts[0]), Parse(parts[1]));
    }

    public string? HeaderValue(string name) => Header.TryGetProperty(name, out var v) ? v.GetString() : null;

    public string? Claim(string name) => Payload.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public long? NumericClaim(string name) => Payload.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : null;

    public bool Has(string name) => Payload.TryGetProperty(name, out _);

    /// <summary>Validates signature, issuer, audience, lifetime and typ the way a resource server would, against the published JWKS.</summary>
    public static async Task<TokenValidationResult> ValidateAsync(string token, HttpClient issuer, string expectedIssuer, string audience = "photo-api")
    {
        var jwks = new JsonWebKeySet(await issuer.GetStringAsync(".well-known/jwks"));
        return await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            IssuerSigningKeys = jwks.GetSigningKeys(),
            ValidIssuer = expectedIssuer,
            ValidAudience = audience,
            ValidTypes = ["at+jwt"],
            ValidAlgorithms = ["ES256", "RS256"],
        });
    }

    private static JsonElement Parse(string segment) =>
        JsonDocument.Parse(Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(segment))).RootElement.Clone();
}
