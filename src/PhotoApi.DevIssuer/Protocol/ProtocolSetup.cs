using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Options;
using OpenIddict.Server;
using PhotoApi.DevIssuer.Configuration;
using PhotoApi.DevIssuer.Keys;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace PhotoApi.DevIssuer.Protocol;

public static class ProtocolSetup
{
    public const string AuthorizationPath = "/connect/authorize";
    public const string TokenPath = "/connect/token";
    public const string RevocationPath = "/connect/revoke";
    public const string IntrospectionPath = "/connect/introspect";
    public const string UserInfoPath = "/connect/userinfo";
    public const string DeviceAuthorizationPath = "/connect/device";
    public const string VerificationPath = "/connect/verify";
    public const string JwksPath = "/.well-known/jwks";
    public const string OpenIdConfigurationPath = "/.well-known/openid-configuration";
    public const string OAuthMetadataPath = "/.well-known/oauth-authorization-server";

    /// <summary>OpenIddict does every protocol step; our code only decides who signs in and what they consent to.</summary>
    public static WebApplicationBuilder AddDevIssuerProtocol(this WebApplicationBuilder builder)
    {
        // PostgreSQL when ConnectionStrings:DevIssuer is set (restarts keep codes, refresh tokens and consents);
        // otherwise in memory, one database per host so several test hosts in one process never share tokens.
        var inMemoryName = $"dev-issuer-{Guid.NewGuid():N}";
        builder.Services.AddDbContext<DevIssuerDbContext>((services, db) =>
        {
            if (services.GetRequiredService<IConfiguration>().GetConnectionString(DevIssuerDbContext.ConnectionStringName) is { Length: > 0 } connectionString)
            {
                db.UseNpgsql(connectionString);
            }
            else
            {
                db.UseInMemoryDatabase(inMemoryName)
                    .ConfigureWarnings(warnings => warnings.Ignore(InMemoryEventId.TransactionIgnoredWarning));
            }

            db.UseOpenIddict();
        });

        builder.Services.AddOpenIddict()
            .AddCore(core => core.UseEntityFrameworkCore()
                .UseDbContext<DevIssuerDbContext>()
                // The in-memory provider has no ExecuteUpdate/ExecuteDelete; a dev tool does not need them.
                .DisableBulkOperations())
            .AddServer(server =>
            {
                server.SetAuthorizationEndpointUris(AuthorizationPath.TrimStart('/'))
                    .SetTokenEndpointUris(TokenPath.TrimStart('/'))
                    .SetRevocationEndpointUris(RevocationPath.TrimStart('/'))
                    .SetIntrospectionEndpointUris(IntrospectionPath.TrimStart('/'))
                    .SetUserInfoEndpointUris(UserInfoPath.TrimStart('/'))
                    .SetDeviceAuthorizationEndpointUris(DeviceAuthorizationPath.TrimStart('/'))
                    .SetEndUserVerificationEndpointUris(VerificationPath.TrimStart('/'))
                    .SetJsonWebKeySetEndpointUris(JwksPath.TrimStart('/'))
                    .SetConfigurationEndpointUris(OpenIdConfigurationPath.TrimStart('/'), OAuthMetadataPath.TrimStart('/'));

                server.AllowAuthorizationCodeFlow()
                    .AllowRefreshTokenFlow()
                    .AllowClientCredentialsFlow()
                    .AllowDeviceAuthorizationFlow()
                    .RequireProofKeyForCodeExchange();

                // RFC 8628 §6.1: 8 characters from 20 consonants (~34.5 bits) is easy to type on a phone and hard to guess
                // within the code's lifetime; shown as BCDF-GHJK.
                server.SetUserCodeCharset([.. "BCDFGHJKLMNPQRSTVWXZ".Select(c => c.ToString())])
                    .SetUserCodeLength(8)
                    .SetUserCodeDisplayFormat("{0}{1}{2}{3}-{4}{5}{6}{7}");

                server.RegisterScopes([.. PhotoScopes.All]);
                // claims_supported: what ID tokens, access tokens and UserInfo can carry (OpenIddict lists iss, sub, aud, exp, iat).
                server.RegisterClaims(Claims.Name, Claims.Email, Claims.AuthenticationTime, Claims.AuthenticationContextReference,
                    Claims.AuthorizedParty, Claims.ClientId, Claims.Scope);
                server.AddProtocolRefusals();
                server.AddDevicePolling();
                server.AddDpop();
                server.AddResourceIndicators();

                // RFC 9068 JWT access tokens that any resource server can verify from the JWKS.
                server.DisableAccessTokenEncryption();

                server.UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableTokenEndpointPassthrough()
                    .EnableUserInfoEndpointPassthrough()
                    .EnableEndUserVerificationEndpointPassthrough()
                    // Plain HTTP on loopback is fine for a dev tool.
                    .DisableTransportSecurityRequirement();
            });

        builder.Services.AddSingleton<IConfigureOptions<OpenIddictServerOptions>, ConfigureServerFromDevIssuerOptions>();
        builder.Services.AddSingleton<IConfigureOptions<OpenIddictServerOptions>, ResourceIndicators.UseExactResourceValidation>();
        // Build OpenIddict's options at start: loads (or creates) the signing key and fails fast on a bad setup.
        builder.Services.AddOptions<OpenIddictServerOptions>().ValidateOnStart();
        builder.Services.AddSingleton<DevicePolling>();
        builder.Services.AddSingleton<DpopNonces>();
        builder.Services.AddSingleton<DpopProofVerifier>();
        builder.Services.AddHostedService<ClientSeeder>();
        return builder;
    }

    /// <summary>Applies DevIssuer options to OpenIddict lazily, after test hosts had their say.</summary>
    private sealed class ConfigureServerFromDevIssuerOptions(
        IOptions<DevIssuerOptions> devIssuer, IssuerSigningKey signingKey, TokenEncryptionKey encryptionKey, TimeProvider time)
        : IConfigureOptions<OpenIddictServerOptions>
    {
        public void Configure(OpenIddictServerOptions options)
        {
            var settings = devIssuer.Value;
            if (!string.IsNullOrWhiteSpace(settings.Issuer))
            {
                options.Issuer = new Uri(settings.Issuer, UriKind.Absolute);
            }

            options.SigningCredentials.Add(signingKey.Credentials);
            // One clock for token lifetimes, sign-in age and device polling (tests move it with a fake).
            options.TimeProvider = time;

            // Codes and refresh tokens are encrypted with a key kept on disk, so they survive a restart with the store.
            options.EncryptionCredentials.Add(encryptionKey.Credentials);

            // S256 only: "plain" leaks the verifier to anyone who sees the authorization request (RFC 7636 §4.2).
            options.CodeChallengeMethods.Remove(CodeChallengeMethods.Plain);

            options.AccessTokenLifetime = settings.AccessTokenLifetime;
            options.AuthorizationCodeLifetime = settings.AuthorizationCodeLifetime;
            options.RefreshTokenLifetime = settings.RefreshTokenLifetime;

            // OpenIddict lets a redeemed refresh token be reused for 30 s by default (for concurrent requests);
            // zero makes rotation strict, so any reuse is treated as theft and revokes the chain.
            options.RefreshTokenReuseLeeway = TimeSpan.Zero;
        }
    }
}
