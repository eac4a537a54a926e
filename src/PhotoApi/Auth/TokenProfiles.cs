using System.Collections.Frozen;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;

namespace PhotoApi.Auth;

/// <summary>Who a token speaks for, decided by positive evidence only: a token that proves neither is <see cref="Unknown"/>.</summary>
public enum CallerKind
{
    /// <summary>No claim proves a user or an application: refused (403) everywhere, never taken for a user.</summary>
    Unknown,
    /// <summary>A user delegated this token to a client (authorization code, device flow, ...).</summary>
    User,
    /// <summary>An application with no user behind it (client credentials).</summary>
    App,
}

/// <summary>Which claim must name this API.</summary>
public enum AudienceSource
{
    /// <summary><c>aud</c> (RFC 7519 §4.1.3).</summary>
    Aud,
    /// <summary><c>client_id</c>, for providers whose access tokens have no <c>aud</c> (Cognito).</summary>
    ClientId,
}

/// <summary>
/// A provider profile: how one provider shapes access tokens, as it documents them. <see cref="UserGrant"/> and
/// <see cref="AppGrant"/> are what the token <em>grants</em> (what the user consented to for this client, or what an
/// administrator granted the application); <see cref="Entitlements"/> only lists what the user holds and never widens a grant.
/// </summary>
public sealed record TokenProfile(
    string Name,
    string[] UserGrant,
    string[] AppGrant,
    string[] Entitlements,
    AudienceSource Audience,
    Func<ClaimReader, CallerKind> Classify,
    string[] ClientIdClaims,
    Func<ClaimReader, bool> IsAccessToken,
    bool RequireAccessTokenTypeByDefault)
{
    /// <summary>Reads the grant, the caller kind and profile data from a token whose signature and claims are already valid.</summary>
    public AccessTokenIdentity CreateIdentity(JsonWebToken token, ClaimReader claims, TrustedIssuer issuer, TokenConfirmation? confirmation = null)
    {
        var kind = Classify(claims);
        var scopes = new HashSet<string>(StringComparer.Ordinal);
        if (kind != CallerKind.Unknown)
        {
            foreach (var name in claims.Names(kind == CallerKind.User ? UserGrant : AppGrant))
            {
                scopes.Add(issuer.ScopeMap.TryGetValue(name, out var mapped) ? mapped : name);
            }
        }
        if (kind == CallerKind.User && issuer.RequireEntitlement)
        {
            // Opt-in: the user must also hold the entitlement. Grant AND entitlement, never entitlement instead of grant.
            var held = claims.Names(Entitlements).Select(name => issuer.ScopeMap.TryGetValue(name, out var mapped) ? mapped : name).ToHashSet(StringComparer.Ordinal);
            scopes.IntersectWith(held);
        }

        long? authTime = long.TryParse(claims.Value("auth_time"), out var seconds) ? seconds : null;
        return new AccessTokenIdentity(
            claims.All,
            issuer,
            claims.Value("sub"),
            ClientId(claims),
            kind,
            scopes.ToFrozenSet(StringComparer.Ordinal),
            token.ValidTo,
            authTime is { } t ? DateTimeOffset.FromUnixTimeSeconds(t) : null,
            claims.Value("acr"),
            claims.Value("name") ?? claims.Value("preferred_username"),
            claims.Value("email"),
            confirmation);
    }

    /// <summary>Checks this profile adds on top of signature, issuer and lifetime; null when the token passes.</summary>
    public TokenRejection? CheckClaims(JsonWebToken token, ClaimReader claims, TrustedIssuer issuer)
    {
        if (!IsAccessToken(claims))
        {
            return TokenRejection.NotAnAccessToken;
        }
        if (Audience == AudienceSource.ClientId
            && (!token.TryGetPayloadValue<string>("client_id", out var clientId) || !issuer.AcceptsAudience(clientId)))
        {
            return TokenRejection.WrongAudience;
        }
        return null;
    }

    public string? ClientId(ClaimReader claims)
    {
        foreach (var type in ClientIdClaims)
        {
            if (claims.Value(type) is { } value)
            {
                return value;
            }
        }
        return null;
    }
}

/// <summary>The claims of a validated token, read the way the profiles need them (arrays arrive as one claim per element).</summary>
public readonly struct ClaimReader(IReadOnlyList<Claim> claims)
{
    public IReadOnlyList<Claim> All => claims;

    public string? Value(string type)
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

    public bool Has(string type) => Value(type) is not null;

    /// <summary>Space-delimited names (RFC 6749 §3.3) or array elements from each claim; <c>realm_access.roles</c> reads Keycloak's nested array.</summary>
    public List<string> Names(IEnumerable<string> types)
    {
        var names = new List<string>();
        foreach (var type in types)
        {
            var nested = type.Split('.', 2);
            foreach (var claim in claims)
            {
                if (claim.Type != nested[0])
                {
                    continue;
                }
                if (nested.Length == 2)
                {
                    names.AddRange(NestedArray(claim.Value, nested[1]));
                    continue;
                }
                names.AddRange(claim.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries));
            }
        }
        return names;
    }

    private static List<string> NestedArray(string json, string member)
    {
        var values = new List<string>();
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty(member, out var array)
                && array.ValueKind == JsonValueKind.Array)
            {
                values.AddRange(array.EnumerateArray().Where(r => r.ValueKind == JsonValueKind.String).Select(r => r.GetString()!));
            }
        }
        catch (JsonException)
        {
            // A malformed object lists nothing.
        }
        return values;
    }
}

/// <summary>The provider profiles PhotoApi knows, by the name used in <c>Auth__Issuers__N__Profile</c>. README "Grants, users and apps" is this table in prose.</summary>
public static class TokenProfiles
{
    public const string Generic = "generic";

    private static readonly string[] Scope = ["scope"];

    // OpenID Connect Core §2, §3.1.3.6, §3.3.2.11: nonce, at_hash and c_hash are ID-token claims (Keycloak alone also puts nonce in access tokens).
    private static bool HasNoIdTokenClaims(ClaimReader c) => !c.Has("nonce") && !c.Has("at_hash") && !c.Has("c_hash");

    public static readonly FrozenDictionary<string, TokenProfile> All = new TokenProfile[]
    {
        // RFC 9068 §2.2: client_id and sub are required; §2.2 "sub ... SHOULD correspond to ... the client application" when no
        // resource owner is involved. §2.2.3.1: roles, groups and entitlements are the user's attributes, not the grant.
        new(Generic, ["scope", "scp"], ["scope", "scp"], ["roles", "groups", "entitlements"], AudienceSource.Aud,
            c => c.Value("sub") is not { } sub || (c.Value("client_id") ?? c.Value("azp")) is not { } client ? CallerKind.Unknown
                : sub == client ? CallerKind.App : CallerKind.User,
            ["client_id", "azp"], HasNoIdTokenClaims, RequireAccessTokenTypeByDefault: true),

        // Auth0: scope is the grant (with RBAC on, the intersection of what was requested and what the user holds);
        // permissions lists everything the user holds. Client-credentials tokens carry gty=client-credentials and sub "{client}@clients".
        new("auth0", Scope, Scope, ["permissions"], AudienceSource.Aud,
            c => c.Value("gty") == "client-credentials" || (c.Value("azp") is { } azp && c.Value("sub") == $"{azp}@clients") ? CallerKind.App
                : c.Value("sub") is { } sub && c.Value("azp") is { } client && sub != client && !sub.EndsWith("@clients", StringComparison.Ordinal) ? CallerKind.User
                : CallerKind.Unknown,
            ["azp", "client_id"], HasNoIdTokenClaims, RequireAccessTokenTypeByDefault: false),

        // Entra ID: scp only in delegated (user) tokens; app-only tokens carry app roles in roles, idtyp=app when the optional
        // claim is on, and oid equal to sub (the service principal). Access tokens always name their client in azp (v2) or appid (v1).
        new("entra", ["scp"], ["roles"], ["roles"], AudienceSource.Aud,
            c => c.Has("scp") ? (c.Value("sub") is not null ? CallerKind.User : CallerKind.Unknown)
                : c.Value("idtyp") == "app" || (c.Value("oid") is { } oid && oid == c.Value("sub")) ? CallerKind.App
                : CallerKind.Unknown,
            ["azp", "appid"], c => (c.Has("azp") || c.Has("appid")) && HasNoIdTokenClaims(c), RequireAccessTokenTypeByDefault: false),

        // Okta: uid (the user's Okta id) only in user tokens; client-credentials tokens have sub = cid. ID tokens carry no cid.
        new("okta", ["scp"], ["scp"], [], AudienceSource.Aud,
            c => c.Has("uid") && c.Value("sub") is not null ? CallerKind.User
                : c.Value("cid") is { } cid && c.Value("sub") == cid ? CallerKind.App
                : CallerKind.Unknown,
            ["cid"], c => c.Has("cid") && HasNoIdTokenClaims(c), RequireAccessTokenTypeByDefault: false),

        // Keycloak: the payload's typ is "Bearer" for access tokens and "ID" for ID tokens; service accounts are the users
        // "service-account-{client}". Realm roles are entitlements.
        new("keycloak", Scope, Scope, ["realm_access.roles"], AudienceSource.Aud,
            c => c.Value("preferred_username") is not { } username || c.Value("sub") is null ? CallerKind.Unknown
                : username.StartsWith("service-account-", StringComparison.Ordinal) ? CallerKind.App
                : c.Has("azp") ? CallerKind.User : CallerKind.Unknown,
            ["azp", "client_id"], c => c.Value("typ") == "Bearer", RequireAccessTokenTypeByDefault: false),

        // Cognito: token_use=access marks access tokens; user tokens carry username, client-credentials ones have sub = client_id.
        new("cognito", Scope, Scope, ["cognito:groups"], AudienceSource.ClientId,
            c => c.Has("username") && c.Value("sub") is not null ? CallerKind.User
                : c.Value("client_id") is { } client && c.Value("sub") == client ? CallerKind.App
                : CallerKind.Unknown,
            ["client_id"], c => c.Value("token_use") == "access" && HasNoIdTokenClaims(c), RequireAccessTokenTypeByDefault: false),
    }.ToFrozenDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
}
