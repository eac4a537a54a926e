using System.Net;
using Microsoft.Extensions.Options;

namespace PhotoApi.Auth;

/// <summary>Refuses to start with an auth configuration that would be unsafe or could not work, saying which key is wrong.</summary>
public sealed class AuthOptionsValidation : IValidateOptions<AuthOptions>
{
    private static readonly HashSet<string> AsymmetricAlgorithms = new(AuthOptions.DefaultAlgorithms, StringComparer.Ordinal);

    /// <summary>
    /// The single <c>Auth__Authority</c> form becomes <c>Issuers[0]</c> before validation (a PostConfigure), so everything
    /// after start-up sees one shape: a list of issuers.
    /// </summary>
    public static void FoldSingleIssuer(AuthOptions options)
    {
        if (options.Issuers.Count > 0 || string.IsNullOrWhiteSpace(options.Authority))
        {
            return;
        }
        options.SingleIssuerForm = true;
        options.Issuers = [new IssuerOptions
            {
                Authority = options.Authority,
                MetadataAddress = options.MetadataAddress,
                Audience = options.Audience,
                Audiences = options.Audiences,
                Introspection = options.Introspection,
                Profile = options.Profile,
                ScopeMap = options.ScopeMap,
                RequireAccessTokenType = options.RequireAccessTokenType,
                RequireEntitlement = options.RequireEntitlement,
                RequireSenderConstrainedTokens = options.RequireSenderConstrainedTokens,
            }];
    }

    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        var errors = new List<string>();

        if (!options.SingleIssuerForm && options.Issuers.Count > 0 && !string.IsNullOrWhiteSpace(options.Authority))
        {
            errors.Add("Set either Auth__Authority (one issuer) or Auth__Issuers__N__Authority (several), not both.");
        }
        var issuers = options.Issuers;
        if (issuers.Count == 0)
        {
            errors.Add("Auth__Authority is required: the base URL of the authorization server whose tokens PhotoApi accepts (or Auth__Issuers__0__Authority for several).");
        }
        if (string.IsNullOrWhiteSpace(options.Audience))
        {
            errors.Add("Auth__Audience must not be empty.");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < issuers.Count; i++)
        {
            var issuer = issuers[i];
            var key = options.SingleIssuerForm ? "Auth__" : $"Auth__Issuers__{i}__";
            if (string.IsNullOrWhiteSpace(issuer.Authority))
            {
                errors.Add($"{key}Authority is required.");
                continue;
            }
            CheckUrl(errors, $"{key}Authority", issuer.Authority, options.RequireHttpsMetadata);
            if (issuer.MetadataAddress is not null)
            {
                CheckUrl(errors, $"{key}MetadataAddress", issuer.MetadataAddress, options.RequireHttpsMetadata);
            }
            if (issuer.Issuer is not null && !Uri.TryCreate(issuer.Issuer, UriKind.Absolute, out _))
            {
                errors.Add($"{key}Issuer must be an absolute URL.");
            }
            if (!TokenProfiles.All.TryGetValue(issuer.Profile, out var profile))
            {
                errors.Add($"{key}Profile '{issuer.Profile}' is unknown; use one of: {string.Join(", ", TokenProfiles.All.Keys.Order())}.");
            }
            else if (issuer.RequireEntitlement && profile.Entitlements.Length == 0)
            {
                errors.Add($"{key}RequireEntitlement: the {profile.Name} profile has no entitlement claim to require.");
            }
            foreach (var (from, to) in issuer.ScopeMap)
            {
                if (!Scopes.All.Contains(to))
                {
                    errors.Add($"{key}ScopeMap maps '{from}' to '{to}', which is not a PhotoApi scope ({string.Join(", ", Scopes.All)}).");
                }
            }
            if (!seen.Add(TrustedIssuer.Normalize(issuer.Issuer ?? issuer.Authority)))
            {
                errors.Add($"{key}Authority '{issuer.Authority}' is configured twice.");
            }
        }

        if (options.ValidAlgorithms.Length == 0)
        {
            errors.Add("Auth__ValidAlgorithms must name at least one algorithm.");
        }
        foreach (var algorithm in options.ValidAlgorithms)
        {
            if (!AsymmetricAlgorithms.Contains(algorithm))
            {
                errors.Add($"Auth__ValidAlgorithms: '{algorithm}' is not allowed; only RS/PS/ES 256/384/512 are (never 'none', never HMAC with published keys).");
            }
        }
        if (options.ClockSkew < TimeSpan.Zero || options.ClockSkew > TimeSpan.FromMinutes(5))
        {
            errors.Add("Auth__ClockSkew must be between 00:00:00 and 00:05:00.");
        }
        if (options.KeyRefreshMinInterval < TimeSpan.FromSeconds(1))
        {
            errors.Add("Auth__KeyRefreshMinInterval must be at least 1 second.");
        }
        if (options.KeyRefreshInterval < options.KeyRefreshMinInterval)
        {
            errors.Add("Auth__KeyRefreshInterval must not be shorter than Auth__KeyRefreshMinInterval.");
        }
        if (options.KeyRefreshGlobalMinInterval < TimeSpan.FromMilliseconds(100) || options.KeyRefreshGlobalMinInterval > options.KeyRefreshMinInterval)
        {
            errors.Add("Auth__KeyRefreshGlobalMinInterval must be at least 00:00:00.1 and not longer than Auth__KeyRefreshMinInterval.");
        }
        if (options.KeyMaxAge < options.KeyRefreshInterval)
        {
            errors.Add("Auth__KeyMaxAge must not be shorter than Auth__KeyRefreshInterval (keys would expire between two scheduled refreshes).");
        }
        if (options.MetadataTimeout <= TimeSpan.Zero || options.MetadataTimeout > TimeSpan.FromMinutes(1))
        {
            errors.Add("Auth__MetadataTimeout must be between 0 and 1 minute.");
        }
        if (options.MaxTokenLength is < 1024 or > 64 * 1024)
        {
            errors.Add("Auth__MaxTokenLength must be between 1024 and 65536.");
        }
        if (options.ResourceUri is not null && !Uri.TryCreate(options.ResourceUri, UriKind.Absolute, out _))
        {
            errors.Add("Auth__ResourceUri must be an absolute URL.");
        }
        if (options.StepUp.MaxAge is { } maxAge && maxAge <= TimeSpan.Zero)
        {
            errors.Add("Auth__StepUp__MaxAge must be positive.");
        }
        if (options.TokenCache.MaxEntries < 1 || options.TokenCache.MaxBytes < 1024)
        {
            errors.Add("Auth__TokenCache__MaxEntries must be at least 1 and Auth__TokenCache__MaxBytes at least 1024.");
        }
        if (options.TokenCache.MaxLifetime <= TimeSpan.Zero || options.TokenCache.MaxLifetime > TimeSpan.FromHours(1))
        {
            errors.Add("Auth__TokenCache__MaxLifetime must be between 0 and 1 hour.");
        }

        ValidateSenderConstraints(errors, options);
        Introspection.IntrospectionOptionsValidation.Validate(errors, options, issuers);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void ValidateSenderConstraints(List<string> errors, AuthOptions options)
    {
        var dpop = options.Dpop;
        foreach (var algorithm in dpop.Algorithms)
        {
            if (!AsymmetricAlgorithms.Contains(algorithm))
            {
                errors.Add($"Auth__Dpop__Algorithms: '{algorithm}' is not allowed; only RS/PS/ES 256/384/512 are (RFC 9449 §4.2: asymmetric, never 'none' or a MAC).");
            }
        }
        if (dpop.Enabled && dpop.Algorithms.Length == 0)
        {
            errors.Add("Auth__Dpop__Algorithms must name at least one algorithm.");
        }
        if (dpop.ProofLifetime < TimeSpan.FromSeconds(5) || dpop.ProofLifetime > TimeSpan.FromMinutes(10))
        {
            errors.Add("Auth__Dpop__ProofLifetime must be between 00:00:05 and 00:10:00.");
        }
        if (dpop.NonceLifetime < TimeSpan.FromSeconds(10) || dpop.NonceLifetime > TimeSpan.FromHours(1))
        {
            errors.Add("Auth__Dpop__NonceLifetime must be between 00:00:10 and 01:00:00.");
        }
        if (dpop.ReplayCacheMaxEntries < 1000)
        {
            errors.Add("Auth__Dpop__ReplayCacheMaxEntries must be at least 1000.");
        }
        if (dpop.NonceKey is { Length: > 0 } key)
        {
            var bytes = new byte[key.Length];
            if (!Convert.TryFromBase64String(key, bytes, out var length) || length < 32)
            {
                errors.Add("Auth__Dpop__NonceKey must be base64 of at least 32 bytes (e.g. openssl rand -base64 32).");
            }
        }
        foreach (var proxy in options.ClientCertificates.TrustedProxies)
        {
            if (!IPAddress.TryParse(proxy, out _))
            {
                errors.Add($"Auth__ClientCertificates__TrustedProxies: '{proxy}' is not an IP address.");
            }
        }
        var anyRequired = options.RequireSenderConstrainedTokens || options.Issuers.Any(i => i.RequireSenderConstrainedTokens == true);
        if (anyRequired && !dpop.Enabled && !options.ClientCertificates.Tls && options.ClientCertificates.TrustedProxies.Length == 0)
        {
            errors.Add("Auth__RequireSenderConstrainedTokens needs DPoP (Auth__Dpop__Enabled) or client certificates (Auth__ClientCertificates__Tls or __TrustedProxies): no token could be accepted.");
        }
    }

    internal static void CheckUrl(List<string> errors, string key, string value, bool requireHttps)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
        {
            errors.Add($"{key} must be an absolute http(s) URL.");
            return;
        }
        if (uri.Scheme == "http" && requireHttps)
        {
            errors.Add($"{key} uses http; metadata must come over https (set Auth__RequireHttpsMetadata=false only for a loopback issuer in development).");
        }
        if (uri.Scheme == "http" && !requireHttps && !IsLoopback(uri))
        {
            errors.Add($"{key}: Auth__RequireHttpsMetadata=false is allowed for loopback addresses only.");
        }
    }

    private static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || uri.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(uri.Host, out var address) && IPAddress.IsLoopback(address));
}
