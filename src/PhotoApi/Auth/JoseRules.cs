using System.Text.Json;
using PhotoApi.Jose;

namespace PhotoApi.Auth;

/// <summary>
/// The JOSE and JWT rules IdentityModel does not enforce, checked on the decoded header and payload before the signature is
/// looked at (each one is a row of SECURITY.md's table). IdentityModel ignores <c>crit</c> and <c>b64</c>, reads
/// <c>"exp": "1700000000"</c> as a number and takes the last of duplicate members; these checks refuse all of that.
/// </summary>
public static class JoseRules
{
    private const int MaxDepth = 32;

    // RFC 7519 §4.1: registered claims and the JSON type each must have.
    private static readonly string[] StringClaims = ["iss", "sub", "jti", "client_id", "scope"];
    private static readonly string[] NumericDateClaims = ["exp", "nbf", "iat"];

    // RFC 7515 §4.1: header parameters that are strings.
    private static readonly string[] StringHeaders = ["alg", "kid", "typ", "cty"];

    /// <summary>The first rule the token breaks, or null.</summary>
    public static TokenRejection? Check(string encodedHeader, string encodedPayload, DateTimeOffset now, TimeSpan clockSkew)
    {
        // RFC 7515 §5.2 / RFC 7519 §4: duplicate member names are refused (null).
        using var header = JoseJson.Parse(encodedHeader, MaxDepth);
        using var payload = JoseJson.Parse(encodedPayload, MaxDepth);
        if (header is null || payload is null)
        {
            return TokenRejection.DuplicateClaims;
        }
        if (header.RootElement.ValueKind != JsonValueKind.Object || payload.RootElement.ValueKind != JsonValueKind.Object)
        {
            return TokenRejection.Malformed;
        }
        return CheckHeader(header.RootElement) ?? CheckPayload(payload.RootElement, now, clockSkew);
    }

    /// <summary>RFC 7515 §4.1.9 and RFC 8725 §3.11: typ is a media type, compared case-insensitively, "application/" optional.</summary>
    public static bool IsAccessTokenType(string? typ)
    {
        if (typ is null)
        {
            return false;
        }
        var type = typ.StartsWith("application/", StringComparison.OrdinalIgnoreCase) ? typ["application/".Length..] : typ;
        return type.Equals("at+jwt", StringComparison.OrdinalIgnoreCase); // RFC 9068 §4
    }

    private static TokenRejection? CheckHeader(JsonElement header)
    {
        // RFC 7515 §4.1.11: a recipient that does not understand a crit extension MUST reject; PhotoApi understands none.
        if (header.TryGetProperty("crit", out _))
        {
            return TokenRejection.CriticalExtension;
        }
        // RFC 7797 §3, §6: b64=false changes what is signed; IdentityModel would verify the wrong bytes. Not supported at all.
        if (header.TryGetProperty("b64", out _))
        {
            return TokenRejection.UnencodedPayload;
        }
        foreach (var name in StringHeaders)
        {
            if (header.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.String)
            {
                return TokenRejection.Malformed;
            }
        }
        return null;
    }

    private static TokenRejection? CheckPayload(JsonElement payload, DateTimeOffset now, TimeSpan clockSkew)
    {
        foreach (var name in StringClaims)
        {
            if (payload.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.String)
            {
                return TokenRejection.WrongClaimType;
            }
        }
        // RFC 7519 §4.1.3: aud is a StringOrURI or an array of them.
        if (payload.TryGetProperty("aud", out var aud)
            && aud.ValueKind != JsonValueKind.String
            && (aud.ValueKind != JsonValueKind.Array || aud.EnumerateArray().Any(a => a.ValueKind != JsonValueKind.String)))
        {
            return TokenRejection.WrongClaimType;
        }
        // RFC 7519 §2: NumericDate is a JSON numeric value, never a string.
        foreach (var name in NumericDateClaims)
        {
            if (payload.TryGetProperty(name, out var value) && (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var seconds) || !double.IsFinite(seconds)))
            {
                return TokenRejection.WrongClaimType;
            }
        }
        // Hardening, no RFC requires it: a token issued in the future means a broken clock or a forged lifetime.
        if (payload.TryGetProperty("iat", out var iat) && iat.GetDouble() > (now + clockSkew).ToUnixTimeSeconds())
        {
            return TokenRejection.IssuedInTheFuture;
        }
        return null;
    }
}
