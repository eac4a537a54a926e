using System.Diagnostics.Metrics;

namespace PhotoApi.Auth;

/// <summary>PhotoApi's own metrics (meter "PhotoApi"), next to ASP.NET Core's and Npgsql's built-in ones.</summary>
public static class AuthMetrics
{
    public const string MeterName = "PhotoApi";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Discovery + JWKS fetches, tagged with the issuer and "success" or "failure".</summary>
    public static readonly Counter<long> KeyFetches = Meter.CreateCounter<long>(
        "photoapi.auth.key_fetches", unit: "{fetch}", description: "Fetches of an issuer's discovery document and JWKS.");

    /// <summary>Refused tokens, tagged with the reason code (expired, unknown_key, keys_unavailable, ...).</summary>
    public static readonly Counter<long> TokenRejections = Meter.CreateCounter<long>(
        "photoapi.auth.token_rejections", unit: "{token}", description: "Access tokens refused, by reason.");

    /// <summary>Accepted tokens, tagged with the issuer and "cached" (a cache hit) or "validated" (signature and claims checked).</summary>
    public static readonly Counter<long> TokenValidations = Meter.CreateCounter<long>(
        "photoapi.auth.token_validations", unit: "{token}", description: "Access tokens accepted, from the validated-token cache or by full validation.");

    /// <summary>Introspection calls (RFC 7662), tagged with the issuer and "active", "inactive", "failure" or "rate_limited" (no call made).</summary>
    public static readonly Counter<long> Introspections = Meter.CreateCounter<long>(
        "photoapi.auth.introspections", unit: "{call}", description: "Token introspection calls to an issuer, by outcome.");

    /// <summary>Introspection answer cache lookups, tagged "hit" or "miss".</summary>
    public static readonly Counter<long> IntrospectionCacheLookups = Meter.CreateCounter<long>(
        "photoapi.auth.introspection_cache", unit: "{lookup}", description: "Introspection answer cache lookups, by result.");
}
