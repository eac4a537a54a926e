using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using PhotoApi.Configuration;
using PhotoApi.Http;

namespace PhotoApi.Auth;

public static class AuthSetup
{
    /// <summary>JwtBearer with PhotoApi's token validator, the scope policies, and RFC 6750 challenges.</summary>
    public static IHostApplicationBuilder AddPhotoApiAuth(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        builder.AddSettings<AuthOptions>(AuthOptions.Section)
            .Configure<IConfiguration>(ReadListsWrittenAsStrings)
            .PostConfigure(AuthOptionsValidation.FoldSingleIssuer)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidation>();
        services.AddSingleton<IValidateOptions<AuthOptions>, ResourceUriValidation>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddJsonTypes(AuthJsonContext.Default);

        services.AddHttpClient(IssuerKeySource.HttpClientName, (provider, client) =>
            client.Timeout = provider.GetRequiredService<IOptions<AuthOptions>>().Value.MetadataTimeout);
        services.AddHttpClient(Introspection.IntrospectionClient.HttpClientName, (provider, client) =>
            client.Timeout = provider.GetRequiredService<IOptions<AuthOptions>>().Value.IntrospectionCalls.Timeout);
        services.AddSingleton<TrustedIssuers>();
        services.AddSingleton<Introspection.IntrospectionCache>();
        services.AddSingleton<Introspection.TokenIntrospector>();
        services.AddSingleton<ValidatedTokenCache>();
        services.AddSingleton<AccessTokenValidator>();
        services.AddSingleton<DpopNonce>();
        services.AddSingleton(provider => new Data.SharedKeyPurpose(DpopNonce.Purpose,
            FromDatabase: () => DpopNonce.KeyFromDatabase(provider.GetRequiredService<IOptions<AuthOptions>>().Value.Dpop)));
        services.AddSingleton<IValidateOptions<AuthOptions>, ReplayCacheValidation>();
        services.TryAddSingleton<IDpopReplayCache>(provider => ReplayCacheValidation.Effective(provider) switch
        {
            DpopReplayCacheKind.PostgreSql => ActivatorUtilities.CreateInstance<PostgresDpopReplayCache>(provider),
            DpopReplayCacheKind.Redis => ActivatorUtilities.CreateInstance<RedisDpopReplayCache>(provider),
            _ => ActivatorUtilities.CreateInstance<InProcessDpopReplayCache>(provider),
        });
        services.AddSingleton<DpopProofValidator>();
        services.AddSingleton<SenderConstraint>();
        // RFC 8705 §3: Kestrel asks for a client certificate and accepts any (self-signed ones too, RFC 8705 §2.2); what a
        // certificate is worth is decided per token, by its thumbprint. Without a certificate the connection still succeeds.
        // Read from configuration, not IOptions<AuthOptions>: Kestrel is configured while the host is built, before start-up validation reports.
        services.AddOptions<KestrelServerOptions>().Configure<IConfiguration>((kestrel, configuration) =>
        {
            if (configuration.GetValue<bool>("Auth:ClientCertificates:Tls"))
            {
                kestrel.ConfigureHttpsDefaults(https =>
                {
                    https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
                    https.AllowAnyClientCertificate();
                });
            }
        });
        services.AddHostedService<IssuerKeysRefresher>();

        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<AccessTokenValidator, SenderConstraint, Introspection.TokenIntrospector>((options, validator, senderConstraint, introspector) =>
            {
                // No Authority here on purpose: keys and issuers come from TrustedIssuers, one set per issuer.
                options.MapInboundClaims = false;
                // Nothing reads the token back from AuthenticationProperties; saving it cost 528 B per request (docs/performance.md, AuthPipeline).
                options.SaveToken = false;
                options.TokenHandlers.Clear();
                options.TokenHandlers.Add(validator);
                options.Events = BearerEvents.Create(senderConstraint, introspector);
            });

        var authorization = services.AddAuthorizationBuilder()
            // Default deny: an endpoint that forgets to declare anything still needs a valid token.
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(UserTokenRequirement.Policy, policy => policy.RequireAuthenticatedUser().AddRequirements(new UserTokenRequirement()));
        foreach (var scope in Scopes.All)
        {
            authorization.AddPolicy(Scopes.Policy(scope), policy => policy.RequireAuthenticatedUser().AddRequirements(new ScopeRequirement(scope)));
        }
        services.AddOptions<AuthorizationOptions>().Configure<IOptions<AuthOptions>, TimeProvider>((options, auth, time) =>
            options.AddPolicy(StepUpRequirement.Policy, policy => policy.RequireAuthenticatedUser().AddRequirements(new StepUpRequirement(auth.Value.StepUp, time))));
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, BearerAuthorizationResultHandler>();
        return builder;
    }

    // Operators write lists as one value ("RS256,ES256"); the binder only reads indexed children (Auth__ValidAlgorithms__0).
    private static void ReadListsWrittenAsStrings(AuthOptions options, IConfiguration configuration)
    {
        if (options.ValidAlgorithms.Length == 0 || configuration["Auth:ValidAlgorithms"] is { Length: > 0 })
        {
            options.ValidAlgorithms = Split(configuration["Auth:ValidAlgorithms"]) is { Length: > 0 } algorithms ? algorithms : AuthOptions.DefaultAlgorithms;
        }
        if (options.Dpop.Algorithms.Length == 0 || configuration["Auth:Dpop:Algorithms"] is { Length: > 0 })
        {
            options.Dpop.Algorithms = Split(configuration["Auth:Dpop:Algorithms"]) is { Length: > 0 } dpopAlgorithms ? dpopAlgorithms : DpopOptions.DefaultAlgorithms;
        }
        if (configuration["Auth:ClientCertificates:TrustedProxies"] is { Length: > 0 } proxies)
        {
            options.ClientCertificates.TrustedProxies = Split(proxies);
        }
        if (configuration["Auth:Audiences"] is { Length: > 0 } audiences)
        {
            options.Audiences = Split(audiences);
        }
        if (configuration["Auth:StepUp:AcrValues"] is { Length: > 0 } acrValues)
        {
            options.StepUp.AcrValues = Split(acrValues);
        }
        AddScopePairs(options.ScopeMap, configuration["Auth:ScopeMap"]);
        for (var i = 0; i < options.Issuers.Count; i++)
        {
            AddScopePairs(options.Issuers[i].ScopeMap, configuration[$"Auth:Issuers:{i}:ScopeMap"]);
            if (configuration[$"Auth:Issuers:{i}:Audiences"] is { Length: > 0 } issuerAudiences)
            {
                options.Issuers[i].Audiences = Split(issuerAudiences);
            }
        }
    }

    // "from=to from2=to2": provider scope names may contain ':' (Cognito's "https://host/scope"), which configuration keys cannot.
    private static void AddScopePairs(Dictionary<string, string> map, string? pairs)
    {
        foreach (var pair in Split(pairs))
        {
            var equals = pair.LastIndexOf('=');
            map[equals > 0 ? pair[..equals] : pair] = equals > 0 ? pair[(equals + 1)..] : "";
        }
    }

    private static string[] Split(string? value) =>
        (value ?? "").Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
