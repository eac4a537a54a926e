using System.Collections.Frozen;
using Microsoft.Extensions.Options;
using PhotoApi.Auth.Introspection;

namespace PhotoApi.Auth;

/// <summary>One authorization server PhotoApi trusts, as configured.</summary>
public sealed class TrustedIssuer
{
    /// <param name="keys">Makes this issuer's key source (it needs the issuer itself: its metadata address and identifier).</param>
    internal TrustedIssuer(string issuer, string metadataAddress, string audience, TokenProfile profile, IReadOnlyDictionary<string, string> scopeMap,
        bool requireAccessTokenType, bool requireEntitlement, Func<TrustedIssuer, IssuerKeySource> keys, bool requireSenderConstrainedTokens = false)
    {
        Issuer = issuer;
        MetadataAddress = metadataAddress;
        Audience = audience;
        Profile = profile;
        ScopeMap = scopeMap.ToFrozenDictionary(StringComparer.Ordinal);
        RequireAccessTokenType = requireAccessTokenType;
        RequireEntitlement = requireEntitlement;
        RequireSenderConstrainedTokens = requireSenderConstrainedTokens;
        Keys = keys(this);
    }

    /// <summary>The issuer identifier as configured (Authority, or the explicit Issuer).</summary>
    public string Issuer { get; }

    public string MetadataAddress { get; }

    public string Audience { get; }

    public TokenProfile Profile { get; }

    public FrozenDictionary<string, string> ScopeMap { get; }

    /// <summary>Only RFC 9068 access tokens (<c>typ: at+jwt</c>) are accepted from this issuer.</summary>
    public bool RequireAccessTokenType { get; }

    /// <summary>User tokens: grant AND entitlement (see <see cref="TokenProfile.Entitlements"/>).</summary>
    public bool RequireEntitlement { get; }

    /// <summary>Only DPoP- or certificate-bound tokens are accepted from this issuer (RFC 9449 §7.2, RFC 8705 §3).</summary>
    public bool RequireSenderConstrainedTokens { get; }

    /// <summary>Every accepted audience: <see cref="Audience"/>, then <c>Audiences</c>; see <see cref="AcceptsAudience"/>.</summary>
    public FrozenSet<string> Audiences { get; internal set; } = FrozenSet<string>.Empty;

    /// <summary>The RFC 9728 resource identifier, accepted as an audience too (<c>Auth__AcceptResourceUriAsAudience</c>); read when checked.</summary>
    internal Func<string?> ResourceAudience { get; set; } = () => null;

    /// <summary>RFC 7519 §4.1.3 / RFC 8707 §2: an exact, case-sensitive match with a configured audience or this API's resource identifier.</summary>
    public bool AcceptsAudience(string? audience) =>
        audience is { Length: > 0 } && (string.Equals(audience, Audience, StringComparison.Ordinal) || Audiences.Contains(audience)
            || string.Equals(audience, ResourceAudience(), StringComparison.Ordinal));

    /// <summary>RFC 7662 introspection at this issuer (disabled unless a client id is configured).</summary>
    public IssuerIntrospectionOptions Introspection { get; internal set; } = new();

    /// <summary>Its introspection endpoint client, when introspection is configured; set once by <see cref="TrustedIssuers"/>.</summary>
    public IntrospectionClient? IntrospectionClient { get; internal set; }

    /// <summary>Its signing keys.</summary>
    public IssuerKeySource Keys { get; }

    /// <summary>Issuer identifiers compare without a trailing slash when choosing the issuer; the exact <c>iss</c> is checked against discovery.</summary>
    internal static string Normalize(string issuer) => issuer.TrimEnd('/');
}

/// <summary>All trusted issuers, looked up by a token's unverified <c>iss</c> before any key is fetched.</summary>
public sealed class TrustedIssuers
{
    private readonly FrozenDictionary<string, TrustedIssuer> _byIssuer;

    public TrustedIssuers(IOptions<AuthOptions> options, IHttpClientFactory httpClients, TimeProvider time, ILoggerFactory loggers)
    {
        var settings = options.Value;
        var keysHttp = httpClients.CreateClient(IssuerKeySource.HttpClientName);
        // Auth__Authority was folded into Issuers[0] at start-up (AuthOptionsValidation.FoldSingleIssuer): one shape here.
        var configured = settings.Issuers;
        All = configured
            .Select(o => new TrustedIssuer(
                o.Issuer ?? o.Authority!,
                o.MetadataAddress ?? $"{o.Authority!.TrimEnd('/')}/.well-known/openid-configuration",
                o.Audience ?? settings.Audience,
                TokenProfiles.All[o.Profile],
                o.ScopeMap,
                o.RequireAccessTokenType ?? settings.RequireAccessTokenType ?? TokenProfiles.All[o.Profile].RequireAccessTokenTypeByDefault,
                o.RequireEntitlement,
                issuer => new IssuerKeySource(issuer, keysHttp, settings, time, loggers.CreateLogger<IssuerKeySource>()),
                o.RequireSenderConstrainedTokens ?? settings.RequireSenderConstrainedTokens))
            .ToArray();
        for (var i = 0; i < All.Count; i++)
        {
            var issuer = All[i];
            issuer.Audiences = configured[i].Audiences.Append(issuer.Audience).ToFrozenSet(StringComparer.Ordinal);
            issuer.ResourceAudience = settings.AcceptResourceUriAsAudience ? () => settings.ResourceUri : () => null;
            issuer.Introspection = configured[i].Introspection;
            if (issuer.Introspection.Enabled)
            {
                issuer.IntrospectionClient = new IntrospectionClient(issuer, httpClients.CreateClient(IntrospectionClient.HttpClientName), settings, time,
                    loggers.CreateLogger<IntrospectionClient>());
            }
        }
        _byIssuer = All.ToFrozenDictionary(i => TrustedIssuer.Normalize(i.Issuer), StringComparer.Ordinal);
    }

    public IReadOnlyList<TrustedIssuer> All { get; }

    /// <summary>The trusted issuer for an unverified <c>iss</c>, or null: an unknown issuer never causes a network call.</summary>
    public TrustedIssuer? Find(string? iss) =>
        string.IsNullOrEmpty(iss) ? null : _byIssuer.GetValueOrDefault(TrustedIssuer.Normalize(iss));
}
