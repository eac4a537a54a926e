using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace PhotoApi.Auth;

public static class AuthSetup
{
    /// <summary>JwtBearer with PhotoApi's token validator, the scope policies, and RFC 6750 challenges.</summary>
    public static IHostApplicationBuilder AddPhotoApiAuth(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<AuthOptions>()
            .Bind(builder.Configuration.GetSection(AuthOptions.Section))
            .Configure<IConfiguration>(ReadListsWrittenAsStrings)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidation>();
        services.AddSingleton<IValidateOptions<AuthOptions>, ResourceUriValidation>();
        services.TryAddSingleton(TimeProvider.System);

        services.AddHttpClient(IssuerKeySource.HttpClientName, (provider, client) =>
            client.Timeout = provider.GetRequiredService<IOptions<AuthOptions>>().Value.MetadataTimeout);
        services.AddSingleton<TrustedIssuers>();
        services.AddSingleton<ValidatedTokenCache>();
        services.AddSingleton<AccessTokenValidator>();
        services.AddHostedService<IssuerKeysRefresher>();

        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<AccessTokenValidator>((options, validator) =>
            {
                // No Authority here on purpose: keys and issuers come from TrustedIssuers, one set per issuer.
                options.MapInboundClaims = false;
                // Nothing reads the token back from AuthenticationProperties; saving it cost 528 B per request (docs/performance.md, AuthPipeline).
                options.SaveToken = false;
                options.TokenHandlers.Clear();
                options.TokenHandlers.Add(validator);
                options.Events = BearerChallenge.Events;
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
        if (configuration["Auth:StepUp:AcrValues"] is { Length: > 0 } acrValues)
        {
            options.StepUp.AcrValues = Split(acrValues);
        }
        AddScopePairs(options.ScopeMap, configuration["Auth:ScopeMap"]);
        for (var i = 0; i < options.Issuers.Count; i++)
        {
            AddScopePairs(options.Issuers[i].ScopeMap, configuration[$"Auth:Issuers:{i}:ScopeMap"]);
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
