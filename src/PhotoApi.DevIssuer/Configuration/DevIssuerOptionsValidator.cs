using Microsoft.Extensions.Options;

namespace PhotoApi.DevIssuer.Configuration;

/// <summary>Collects every configuration mistake at start-up, each naming the key to fix.</summary>
public sealed class DevIssuerOptionsValidator : IValidateOptions<DevIssuerOptions>
{
    private const string Section = DevIssuerOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, DevIssuerOptions options)
    {
        var errors = new List<string>();

        if (options.Issuer is { Length: > 0 } issuer && !IsAbsoluteHttpUrl(issuer, allowPath: true))
        {
            errors.Add($"{Section}:Issuer must be an absolute http(s) URL without query or fragment, got '{issuer}'.");
        }

        if (string.IsNullOrWhiteSpace(options.Audience))
        {
            errors.Add($"{Section}:Audience must not be empty.");
        }

        if (options.SigningAlgorithm is not ("ES256" or "RS256"))
        {
            errors.Add($"{Section}:SigningAlgorithm must be ES256 or RS256, got '{options.SigningAlgorithm}'.");
        }

        if (options.AccessTokenLifetime <= TimeSpan.Zero)
        {
            errors.Add($"{Section}:AccessTokenLifetime must be positive.");
        }

        if (options.AuthorizationCodeLifetime <= TimeSpan.Zero || options.AuthorizationCodeLifetime > TimeSpan.FromMinutes(10))
        {
            errors.Add($"{Section}:AuthorizationCodeLifetime must be between 0 and 10 minutes (RFC 6749 §4.1.2).");
        }

        if (options.RefreshTokenLifetime <= TimeSpan.Zero)
        {
            errors.Add($"{Section}:RefreshTokenLifetime must be positive.");
        }

        for (var i = 0; i < options.CorsOrigins.Count; i++)
        {
            var origin = options.CorsOrigins[i];
            if (!IsAbsoluteHttpUrl(origin, allowPath: false))
            {
                errors.Add($"{Section}:CorsOrigins:{i} must be an origin such as http://localhost:5000, got '{origin}'.");
            }
        }

        for (var i = 0; i < options.Resources.Count; i++)
        {
            // RFC 8707 §2: a resource indicator is an absolute URI without a fragment.
            if (!Uri.TryCreate(options.Resources[i], UriKind.Absolute, out var resource) || resource.Fragment.Length > 0)
            {
                errors.Add($"{Section}:Resources:{i} must be an absolute URI without fragment, got '{options.Resources[i]}'.");
            }
        }

        if (options.MtlsPort is < 1 or > 65535)
        {
            errors.Add($"{Section}:MtlsPort must be a TCP port (1-65535), got {options.MtlsPort}.");
        }

        ValidateClients(options.Clients, errors);
        ValidateUsers(options.Users, errors);

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void ValidateClients(IList<ClientOptions> clients, List<string> errors)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < clients.Count; i++)
        {
            var client = clients[i];
            var key = $"{Section}:Clients:{i}";

            if (string.IsNullOrWhiteSpace(client.ClientId))
            {
                errors.Add($"{key}:ClientId must not be empty.");
            }
            else if (!seen.Add(client.ClientId))
            {
                errors.Add($"{key}:ClientId '{client.ClientId}' is configured twice.");
            }

            if (client.GrantTypes.Count == 0)
            {
                errors.Add($"{key}:GrantTypes must list at least one of {string.Join(", ", GrantTypeNames.All)}.");
            }

            foreach (var grant in client.GrantTypes.Where(g => !GrantTypeNames.All.Contains(g)))
            {
                errors.Add($"{key}:GrantTypes contains unsupported '{grant}'; use {string.Join(", ", GrantTypeNames.All)}.");
            }

            if (client.GrantTypes.Contains(GrantTypeNames.ClientCredentials) && client.IsPublic)
            {
                errors.Add($"{key}: client_credentials needs a ClientSecret or TlsClientCertificate (a public client cannot authenticate).");
            }

            // RFC 8705 §2: the certificate is the client's authentication method, so it has no secret as well.
            if (client.AuthenticatesWithCertificate && !string.IsNullOrEmpty(client.ClientSecret))
            {
                errors.Add($"{key}: set ClientSecret or TlsClientCertificate, not both (one authentication method per client).");
            }

            if (client.GrantTypes.Contains(GrantTypeNames.AuthorizationCode) && client.RedirectUris.Count == 0)
            {
                errors.Add($"{key}:RedirectUris must list at least one URI for authorization_code.");
            }

            for (var r = 0; r < client.RedirectUris.Count; r++)
            {
                var uri = client.RedirectUris[r];
                if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || !string.IsNullOrEmpty(parsed.Fragment))
                {
                    errors.Add($"{key}:RedirectUris:{r} must be an absolute URI without fragment, got '{uri}'.");
                }
            }

            foreach (var scope in client.Scopes.Where(s => !PhotoScopes.All.Contains(s)))
            {
                errors.Add($"{key}:Scopes contains unknown '{scope}'; known scopes are {string.Join(", ", PhotoScopes.All)}.");
            }
        }
    }

    private static void ValidateUsers(IList<DemoUserOptions> users, List<string> errors)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < users.Count; i++)
        {
            var user = users[i];
            var key = $"{Section}:Users:{i}";
            if (string.IsNullOrWhiteSpace(user.Subject))
            {
                errors.Add($"{key}:Subject must not be empty.");
            }
            else if (!seen.Add(user.Subject))
            {
                errors.Add($"{key}:Subject '{user.Subject}' is configured twice.");
            }

            if (string.IsNullOrWhiteSpace(user.Name))
            {
                errors.Add($"{key}:Name must not be empty.");
            }
        }
    }

    private static bool IsAbsoluteHttpUrl(string value, bool allowPath) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
        && string.IsNullOrEmpty(uri.Query)
        && string.IsNullOrEmpty(uri.Fragment)
        && (allowPath || uri.AbsolutePath == "/");
}
