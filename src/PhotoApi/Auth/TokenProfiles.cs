using System.Collections.Frozen;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;

namespace PhotoApi.Auth;

/// <summary>Where a provider puts the scopes (or permissions, or roles) of an access token.</summary>
public enum ScopeSource
{
    /// <summary><c>scope</c>: space-delimited string (RFC 9068, RFC 8693).</summary>
    Scope,
    /// <summary><c>scp</c>: space-delimited string (Entra ID) or JSON array (Okta).</summary>
    Scp,
    /// <summary><c>permissions</c>: JSON array (Auth0 with RBAC on).</summary>
    Permissions,
    /// <summary><c>roles</c>: JSON array (Entra ID app roles).</summary>
    Roles,
    /// <summary><c>realm_access.roles</c>: JSON array inside an object (Keycloak).</summary>
    RealmAccessRoles,
}

/// <summary>Which claim must name this API.</summary>
public enum AudienceSource
{
    /// <summary><c>aud</c> (RFC 7519 §4.1.3).</summary>
    Aud,
    /// <summary><c>client_id</c>, for providers whose access tokens have no <c>aud</c> (Cognito).</summary>
    ClientId,
}

/// <summary>A way a provider marks a token issued to an application with no user behind it.</summary>
public enum AppTokenRule
{
    NoSubject,
    SubjectIsClientId,
    /// <summary>Entra ID's optional <c>idtyp=app</c> claim.</summary>
    IdtypApp,
    /// <summary>Auth0's <c>gty=client-credentials</c>.</summary>
    ClientCredentialsGrant,
    /// <summary>Keycloak service accounts: <c>preferred_username</c> starts with <c>service-account-</c>.</summary>
    ServiceAccountUsername,
    /// <summary>Cognito: user access tokens carry <c>username</c>, client-credentials ones do not.</summary>
    NoUsername,
}

/// <summary>A provider profile: a small declarative description of how one provider shapes access tokens.</summary>
public sealed record TokenProfile(
    string Name,
    ScopeSource[] ScopeSources,
    AudienceSource Audience,
    AppTokenRule[] AppTokenRules,
    string[] ClientIdClaims,
    IReadOnlyDictionary<string, string> RequiredClaims)
{
    /// <summary>Reads scopes, app-versus-user and profile data from a token whose signature and claims are already valid.</summary>
    public AccessTokenIdentity CreateIdentity(JsonWebToken token, ClaimsIdentity validated, TrustedIssuer issuer)
    {
        var claims = validated.Claims.ToList();
        var scopes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var source in ScopeSources)
        {
            foreach (var name in RawScopes(source, claims))
            {
                scopes.Add(issuer.ScopeMap.TryGetValue(name, out var mapped) ? mapped : name);
            }
        }

        var subject = Value(claims, "sub");
        var clientId = ClientId(claims);
        var isApp = subject is null || AppTokenRules.Any(rule => IsAppToken(rule, claims, subject, clientId));
        long? authTime = long.TryParse(Value(claims, "auth_time"), out var seconds) ? seconds : null;

        return new AccessTokenIdentity(
            claims,
            issuer,
            subject,
            clientId,
            isUser: !isApp,
            scopes.ToFrozenSet(StringComparer.Ordinal),
            token.ValidTo,
            authTime is { } t ? DateTimeOffset.FromUnixTimeSeconds(t) : null,
            Value(claims, "acr"),
            Value(claims, "name") ?? Value(claims, "preferred_username"),
            Value(claims, "email"));
    }

    /// <summary>Checks this profile adds on top of signature, issuer and lifetime; null when the token passes.</summary>
    public TokenRejection? CheckClaims(JsonWebToken token, TrustedIssuer issuer)
    {
        foreach (var (claim, expected) in RequiredClaims)
        {
            if (!token.TryGetPayloadValue<string>(claim, out var actual) || actual != expected)
            {
                return TokenRejection.NotAnAccessToken;
            }
        }
        if (Audience == AudienceSource.ClientId
            && (!token.TryGetPayloadValue<string>("client_id", out var clientId) || clientId != issuer.Audience))
        {
            return TokenRejection.WrongAudience;
        }
        return null;
    }

    public string? ClientId(IReadOnlyList<Claim> claims)
    {
        foreach (var type in ClientIdClaims)
        {
            if (Value(claims, type) is { } value)
            {
                return value;
            }
        }
        return null;
    }

    private static IEnumerable<string> RawScopes(ScopeSource source, IReadOnlyList<Claim> claims)
    {
        var type = source switch
        {
            ScopeSource.Scope => "scope",
            ScopeSource.Scp => "scp",
            ScopeSource.Permissions => "permissions",
            ScopeSource.Roles => "roles",
            ScopeSource.RealmAccessRoles => "realm_access",
            _ => throw new ArgumentOutOfRangeException(nameof(source)),
        };

        foreach (var claim in claims)
        {
            if (claim.Type != type)
            {
                continue;
            }
            if (source == ScopeSource.RealmAccessRoles)
            {
                foreach (var role in RealmRoles(claim.Value))
                {
                    yield return role;
                }
                continue;
            }
            // RFC 6749 §3.3: scope is a list of space-delimited strings. Arrays arrive as one claim per element.
            foreach (var name in claim.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                yield return name;
            }
        }
    }

    private static List<string> RealmRoles(string json)
    {
        var roles = new List<string>();
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("roles", out var array)
                && array.ValueKind == JsonValueKind.Array)
            {
                roles.AddRange(array.EnumerateArray().Where(r => r.ValueKind == JsonValueKind.String).Select(r => r.GetString()!));
            }
        }
        catch (JsonException)
        {
            // A malformed realm_access grants nothing.
        }
        return roles;
    }

    private static bool IsAppToken(AppTokenRule rule, IReadOnlyList<Claim> claims, string? subject, string? clientId) => rule switch
    {
        AppTokenRule.NoSubject => subject is null,
        AppTokenRule.SubjectIsClientId => clientId is not null && subject == clientId,
        AppTokenRule.IdtypApp => Value(claims, "idtyp") == "app",
        AppTokenRule.ClientCredentialsGrant => Value(claims, "gty") == "client-credentials",
        AppTokenRule.ServiceAccountUsername => Value(claims, "preferred_username")?.StartsWith("service-account-", StringComparison.Ordinal) == true,
        AppTokenRule.NoUsername => Value(claims, "username") is null,
        _ => false,
    };

    private static string? Value(IReadOnlyList<Claim> claims, string type)
    {
        foreach (var claim in claims)
        {
            if (claim.Type == type)
            {
                return claim.Value;
            }
        }
        return null;
    }
}

/// <summary>The provider profiles PhotoApi knows, by the name used in <c>Auth__Issuers__N__Profile</c>.</summary>
public static class TokenProfiles
{
    public const string Generic = "generic";

    private static readonly IReadOnlyDictionary<string, string> None = FrozenDictionary<string, string>.Empty;

    public static readonly FrozenDictionary<string, TokenProfile> All = new TokenProfile[]
    {
        new(Generic, [ScopeSource.Scope, ScopeSource.Scp], AudienceSource.Aud,
            [AppTokenRule.NoSubject, AppTokenRule.SubjectIsClientId], ["client_id", "azp"], None),
        new("auth0", [ScopeSource.Scope, ScopeSource.Permissions], AudienceSource.Aud,
            [AppTokenRule.NoSubject, AppTokenRule.ClientCredentialsGrant, AppTokenRule.SubjectIsClientId], ["azp", "client_id"], None),
        new("entra", [ScopeSource.Scp, ScopeSource.Roles], AudienceSource.Aud,
            [AppTokenRule.NoSubject, AppTokenRule.IdtypApp], ["azp", "appid"], None),
        new("okta", [ScopeSource.Scp], AudienceSource.Aud,
            [AppTokenRule.NoSubject, AppTokenRule.SubjectIsClientId], ["cid"], None),
        new("keycloak", [ScopeSource.Scope, ScopeSource.RealmAccessRoles], AudienceSource.Aud,
            [AppTokenRule.NoSubject, AppTokenRule.ServiceAccountUsername], ["azp", "client_id"], None),
        new("cognito", [ScopeSource.Scope], AudienceSource.ClientId,
            [AppTokenRule.NoSubject, AppTokenRule.NoUsername], ["client_id"],
            new Dictionary<string, string> { ["token_use"] = "access" }.ToFrozenDictionary()),
    }.ToFrozenDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
}
