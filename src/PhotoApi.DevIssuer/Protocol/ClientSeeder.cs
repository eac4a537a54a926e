using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using PhotoApi.DevIssuer.Configuration;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace PhotoApi.DevIssuer.Protocol;

/// <summary>Writes the configured clients into OpenIddict's application store before the server takes requests (idempotent).</summary>
public sealed class ClientSeeder(IServiceProvider services, IOptions<DevIssuerOptions> options, IHostEnvironment environment, TimeProvider time)
    : IHostedLifecycleService
{
    // StartingAsync runs before Kestrel starts, so no request can race the seeding.
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        // The schema is OpenIddict's and nothing else's: creating it (and the database) is enough, no migrations to run.
        await scope.ServiceProvider.GetRequiredService<DevIssuerDbContext>().Database.EnsureCreatedAsync(cancellationToken);
        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        foreach (var client in options.Value.Clients)
        {
            if (client.AuthenticatesWithCertificate && options.Value.MtlsPort is null)
            {
                // Without the HTTPS listener no request can carry its certificate: the client could never sign in.
                continue;
            }

            var descriptor = Describe(client, ClientKeySet(client));
            ResourceIndicators.AllowResources(descriptor, options.Value.Resources);
            var existing = await applications.FindByClientIdAsync(client.ClientId, cancellationToken);
            if (existing is null)
            {
                await applications.CreateAsync(descriptor, cancellationToken);
            }
            else
            {
                await applications.UpdateAsync(existing, descriptor, cancellationToken);
            }
        }
    }

    private JsonWebKeySet? ClientKeySet(ClientOptions client)
    {
        if (!client.AuthenticatesWithCertificate)
        {
            return null;
        }

        var directory = Keys.IssuerSigningKey.ResolveDirectory(options.Value.KeyDirectory, environment.ContentRootPath);
        using var certificate = TlsClientAuthentication.LoadOrCreateClientCertificate(
            Path.GetFullPath(client.TlsClientCertificate!, directory), client.ClientId, time);
        return TlsClientAuthentication.KeySet(certificate);
    }

    public static OpenIddictApplicationDescriptor Describe(ClientOptions client, JsonWebKeySet? keySet = null)
    {
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = client.ClientId,
            ClientSecret = client.IsPublic ? null : client.ClientSecret,
            ClientType = client.IsPublic ? ClientTypes.Public : ClientTypes.Confidential,
            DisplayName = client.DisplayName ?? client.ClientId,
            ConsentType = ConsentTypes.Explicit,
            // RFC 8705 §2.2: the self-signed certificate is registered in the client's JWK Set (jwks, RFC 7591 §2).
            JsonWebKeySet = keySet,
        };

        foreach (var uri in client.RedirectUris)
        {
            descriptor.RedirectUris.Add(new Uri(uri, UriKind.Absolute));
        }

        descriptor.Permissions.UnionWith([Permissions.Endpoints.Token, Permissions.Endpoints.Revocation]);
        if (!client.IsPublic)
        {
            descriptor.Permissions.Add(Permissions.Endpoints.Introspection);
        }

        if (client.GrantTypes.Contains(GrantTypeNames.AuthorizationCode))
        {
            descriptor.Permissions.UnionWith([
                Permissions.Endpoints.Authorization,
                Permissions.GrantTypes.AuthorizationCode,
                Permissions.ResponseTypes.Code,
            ]);
            descriptor.Requirements.Add(Requirements.Features.ProofKeyForCodeExchange);
        }

        if (client.GrantTypes.Contains(GrantTypeNames.RefreshToken))
        {
            descriptor.Permissions.Add(Permissions.GrantTypes.RefreshToken);
        }

        if (client.GrantTypes.Contains(GrantTypeNames.DeviceCode))
        {
            descriptor.Permissions.UnionWith([Permissions.Endpoints.DeviceAuthorization, Permissions.GrantTypes.DeviceCode]);
        }

        if (client.GrantTypes.Contains(GrantTypeNames.ClientCredentials))
        {
            descriptor.Permissions.Add(Permissions.GrantTypes.ClientCredentials);
        }

        descriptor.Permissions.UnionWith(client.Scopes.Select(scope => Permissions.Prefixes.Scope + scope));
        return descriptor;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
