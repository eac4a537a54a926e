using System.Text.Json;
using PhotoApi.DevIssuer.Configuration;

namespace PhotoApi.DevIssuer.DevTokens;

public sealed record DevTokenDefaults(string Issuer, string Audience, TimeSpan Lifetime, DateTimeOffset Now);

/// <summary>Turns a loosely typed request into a <see cref="DevTokenSpec"/>, or per-field errors.</summary>
public static class DevTokenValidation
{
    public const string DefaultClientId = "dev-tokens";

    // A week is plenty for a dev token; anything longer is a mistake worth flagging.
    public const int MaxLifetimeSeconds = 7 * 24 * 3600;

    public static (DevTokenSpec? Spec, Dictionary<string, string[]> Errors) Validate(
        DevTokenRequest request, DevTokenDefaults defaults, DemoUsers users)
    {
        var errors = new Dictionary<string, string[]>();

        if (string.IsNullOrWhiteSpace(request.Subject))
        {
            errors["subject"] = ["subject is required (for example \"alice\")."];
        }

        var scopes = ParseScopes(request.Scopes, errors);

        var lifetime = request.LifetimeSeconds is int seconds ? TimeSpan.FromSeconds(seconds) : defaults.Lifetime;
        if (request.LifetimeSeconds is < 1 or > MaxLifetimeSeconds)
        {
            errors["lifetimeSeconds"] = [$"lifetimeSeconds must be between 1 and {MaxLifetimeSeconds}."];
        }

        if (request.AuthTime is long authTime && (authTime < 0 || authTime > defaults.Now.ToUnixTimeSeconds() + 60))
        {
            errors["authTime"] = ["authTime must be a Unix time in seconds, not in the future."];
        }

        if (request.IssuedAt is long issuedAt && (issuedAt < 0 || issuedAt > defaults.Now.ToUnixTimeSeconds() + 60))
        {
            errors["issuedAt"] = ["issuedAt must be a Unix time in seconds, not in the future."];
        }

        if (request.Audience is not null && string.IsNullOrWhiteSpace(request.Audience))
        {
            errors["audience"] = ["audience must not be blank when given."];
        }

        if (request.ClientId is not null && string.IsNullOrWhiteSpace(request.ClientId))
        {
            errors["clientId"] = ["clientId must not be blank when given."];
        }

        if (request.Email is { Length: > 0 } email && !email.Contains('@', StringComparison.Ordinal))
        {
            errors["email"] = ["email must look like an e-mail address."];
        }

        // RFC 7638 / RFC 8705 §3.1: a base64url SHA-256 thumbprint is 43 characters without padding.
        if (request.Jkt is not null && !IsSha256Thumbprint(request.Jkt))
        {
            errors["jkt"] = ["jkt must be the base64url SHA-256 JWK thumbprint (RFC 7638) of the client's DPoP key: 43 characters."];
        }

        if (request.X5tS256 is not null && !IsSha256Thumbprint(request.X5tS256))
        {
            errors["x5t#S256"] = ["x5t#S256 must be the base64url SHA-256 thumbprint of the client's certificate (RFC 8705 §3.1): 43 characters."];
        }

        if (errors.Count > 0)
        {
            return (null, errors);
        }

        var user = users.Find(request.Subject);
        var spec = new DevTokenSpec(
            Issuer: defaults.Issuer,
            Audience: request.Audience ?? defaults.Audience,
            Subject: request.Subject!,
            ClientId: request.ClientId ?? DefaultClientId,
            Scopes: scopes,
            IssuedAt: request.IssuedAt is long iat ? DateTimeOffset.FromUnixTimeSeconds(iat) : defaults.Now,
            Lifetime: lifetime,
            Name: request.Name ?? user?.Name,
            Email: request.Email ?? user?.Email,
            Acr: request.Acr,
            AuthTime: request.AuthTime,
            Jkt: request.Jkt,
            X5tS256: request.X5tS256);
        return (spec, errors);
    }

    private static bool IsSha256Thumbprint(string value) =>
        value.Length == 43 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private static List<string> ParseScopes(JsonElement? scopes, Dictionary<string, string[]> errors)
    {
        var parsed = new List<string>();
        switch (scopes)
        {
            case null:
            case { ValueKind: JsonValueKind.Null }:
                return parsed;
            case { ValueKind: JsonValueKind.String } text:
                parsed.AddRange(text.GetString()!.Split(' ', StringSplitOptions.RemoveEmptyEntries));
                break;
            case { ValueKind: JsonValueKind.Array } array when array.EnumerateArray().All(item => item.ValueKind == JsonValueKind.String):
                parsed.AddRange(array.EnumerateArray().Select(item => item.GetString()!));
                break;
            default:
                errors["scopes"] = ["scopes must be a space-delimited string or an array of strings."];
                return parsed;
        }

        // RFC 6749 §3.3 scope-token: printable ASCII except space, '"' and '\'.
        var invalid = parsed.Where(scope => scope.Length == 0 || scope.Any(c => c is < '!' or > '~' or '"' or '\\')).ToList();
        if (invalid.Count > 0)
        {
            errors["scopes"] = [$"Invalid scope token(s): {string.Join(", ", invalid.Select(s => $"'{s}'"))}."];
        }

        return [.. parsed.Distinct(StringComparer.Ordinal)];
    }
}
