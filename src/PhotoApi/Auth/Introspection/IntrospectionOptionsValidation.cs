namespace PhotoApi.Auth.Introspection;

/// <summary>Start-up checks of the introspection settings, called by <see cref="AuthOptionsValidation"/>.</summary>
internal static class IntrospectionOptionsValidation
{
    public static void Validate(List<string> errors, AuthOptions options, IReadOnlyList<IssuerOptions> issuers)
    {
        for (var i = 0; i < issuers.Count; i++)
        {
            var key = options.Issuers.Count > 0 ? $"Auth__Issuers__{i}__" : "Auth__";
            foreach (var audience in issuers[i].Audiences)
            {
                if (string.IsNullOrWhiteSpace(audience))
                {
                    errors.Add($"{key}Audiences must not contain an empty audience.");
                }
            }
            var introspection = issuers[i].Introspection;
            key += "Introspection__";
            if (!introspection.Enabled)
            {
                if (introspection.Jwts != JwtIntrospection.Never || introspection.Endpoint is not null)
                {
                    errors.Add($"{key}ClientId is required: the resource server's own client id at the issuer, to authenticate at its introspection endpoint.");
                }
                continue;
            }
            if (introspection.Endpoint is not null)
            {
                AuthOptionsValidation.CheckUrl(errors, $"{key}Endpoint", introspection.Endpoint, options.RequireHttpsMetadata);
            }
            switch (introspection.ClientAuthentication)
            {
                case ClientAuthenticationMethod.ClientSecretBasic or ClientAuthenticationMethod.ClientSecretPost when string.IsNullOrEmpty(introspection.ClientSecret):
                    errors.Add($"{key}ClientSecret is required for {introspection.ClientAuthentication} (or use PrivateKeyJwt with {key}ClientKeyFile).");
                    break;
                case ClientAuthenticationMethod.PrivateKeyJwt:
                    CheckClientKey(errors, key, introspection);
                    break;
            }
        }

        var cache = options.IntrospectionCache;
        if (cache.MaxLifetime < TimeSpan.FromSeconds(1) || cache.MaxLifetime > TimeSpan.FromHours(1))
        {
            errors.Add("Auth__IntrospectionCache__MaxLifetime must be between 00:00:01 and 01:00:00 (it is how late a revocation takes effect).");
        }
        if (cache.NegativeLifetime < TimeSpan.Zero || cache.NegativeLifetime > cache.MaxLifetime)
        {
            errors.Add("Auth__IntrospectionCache__NegativeLifetime must be between 0 and Auth__IntrospectionCache__MaxLifetime.");
        }
        if (cache.MaxEntries < 1)
        {
            errors.Add("Auth__IntrospectionCache__MaxEntries must be at least 1.");
        }
        var calls = options.IntrospectionCalls;
        if (calls.Timeout <= TimeSpan.Zero || calls.Timeout > TimeSpan.FromMinutes(1))
        {
            errors.Add("Auth__IntrospectionCalls__Timeout must be between 0 and 1 minute.");
        }
        if (calls.PermitsPerSecond < 1 || calls.Burst < 1)
        {
            errors.Add("Auth__IntrospectionCalls__PermitsPerSecond and Auth__IntrospectionCalls__Burst must be at least 1.");
        }
    }

    private static void CheckClientKey(List<string> errors, string key, IssuerIntrospectionOptions introspection)
    {
        if (string.IsNullOrEmpty(introspection.ClientKeyFile) || !File.Exists(introspection.ClientKeyFile))
        {
            errors.Add($"{key}ClientKeyFile must name a PEM file with the private key (RSA or EC) for private_key_jwt.");
            return;
        }
        try
        {
            IntrospectionClient.LoadSigningKey(File.ReadAllText(introspection.ClientKeyFile), introspection.ClientKeyId);
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            errors.Add($"{key}ClientKeyFile does not hold an RSA or EC private key in PEM.");
        }
    }
}
