using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using PhotoApi.DevIssuer.Configuration;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;
using static OpenIddict.Server.OpenIddictServerHandlers;

namespace PhotoApi.DevIssuer.Protocol;

/// <summary>
/// RFC 8707 resource indicators and reference (opaque) access tokens: a requested resource must be one of
/// <c>DevIssuer:Resources</c> and becomes the token's audience, an unknown one is <c>invalid_target</c> (sent back to the
/// client instead of shown on a page), and chosen clients get reference access tokens.
/// </summary>
public static class ResourceIndicators
{
    public static OpenIddictServerBuilder AddResourceIndicators(this OpenIddictServerBuilder server) => server
        .AddEventHandler<ValidateAuthorizationRequestContext>(handler => handler
            .UseSingletonHandler<RefuseUnknownResources>()
            .SetOrder(Authentication.ValidateResources.Descriptor.Order)
            .SetType(OpenIddictServerHandlerType.Custom))
        .AddEventHandler<ValidateTokenRequestContext>(handler => handler
            .UseSingletonHandler<RefuseUnknownResources>()
            .SetOrder(Exchange.ValidateResources.Descriptor.Order)
            .SetType(OpenIddictServerHandlerType.Custom))
        .AddEventHandler<ProcessSignInContext>(handler => handler
            .UseSingletonHandler<IssueForTheRequestedResource>()
            .SetOrder(InferResources.Descriptor.Order - 1)
            .SetType(OpenIddictServerHandlerType.Custom))
        .AddEventHandler<ApplyAuthorizationResponseContext>(handler => handler
            .UseSingletonHandler<RedirectInvalidTargetToTheClient>()
            .SetOrder(Authentication.AttachRedirectUri.Descriptor.Order + 1)
            .SetType(OpenIddictServerHandlerType.Custom))
        .AddEventHandler<GenerateTokenContext>(handler => handler
            .UseSingletonHandler<ReferenceAccessTokensForChosenClients>()
            .SetOrder(Protection.CreateTokenEntry.Descriptor.Order - 1)
            .SetType(OpenIddictServerHandlerType.Custom));

    /// <summary>Every client may ask for every configured resource (OpenIddict enforces <c>rsrc:</c> permissions per client).</summary>
    public static void AllowResources(OpenIddictApplicationDescriptor descriptor, IEnumerable<string> resources) =>
        descriptor.Permissions.UnionWith(resources.Select(resource => Permissions.Prefixes.Resource + resource));

    /// <summary>
    /// OpenIddict's own resource check compares a requested resource with the registered URI's normalized form
    /// (<c>http://localhost:5000/</c>), so the exact RFC 9728 identifier <c>http://localhost:5000</c> would be refused; ours compares exactly.
    /// </summary>
    public sealed class UseExactResourceValidation : IConfigureOptions<OpenIddictServerOptions>
    {
        public void Configure(OpenIddictServerOptions options) => options.DisableResourceValidation = true;
    }

    /// <summary>
    /// RFC 8707 §2: a resource the issuer does not know is <c>invalid_target</c>. Runs where OpenIddict's own check would, after
    /// the client and its redirect URI were validated; each resource is compared exactly (ordinal) with <c>DevIssuer:Resources</c>.
    /// </summary>
    public sealed class RefuseUnknownResources(IOptions<DevIssuerOptions> devIssuer) :
        IOpenIddictServerHandler<ValidateAuthorizationRequestContext>,
        IOpenIddictServerHandler<ValidateTokenRequestContext>
    {
        public ValueTask HandleAsync(ValidateAuthorizationRequestContext context) => Check(context, context.Request.GetResources());

        public ValueTask HandleAsync(ValidateTokenRequestContext context) => Check(context, context.Request.GetResources());

        private ValueTask Check(BaseValidatingContext context, System.Collections.Immutable.ImmutableArray<string> resources)
        {
            if (resources.Any(resource => !devIssuer.Value.Resources.Contains(resource, StringComparer.Ordinal)))
            {
                context.Reject(Errors.InvalidTarget, "The requested resource is not one this authorization server issues tokens for.");
            }

            return ValueTask.CompletedTask;
        }
    }

    /// <summary>
    /// RFC 8707 §2: with <c>resource</c> on the authorization or token request, the access token is for exactly that resource
    /// (its <c>aud</c>); without it, the token keeps the default audience. A code carries the resource on to the token request.
    /// </summary>
    public sealed class IssueForTheRequestedResource : IOpenIddictServerHandler<ProcessSignInContext>
    {
        public ValueTask HandleAsync(ProcessSignInContext context)
        {
            var requested = context.Request.GetResources();
            if (!requested.IsDefaultOrEmpty && context.Principal is { } principal)
            {
                principal.SetResources(requested);
                principal.SetAudiences(requested);
            }

            return ValueTask.CompletedTask;
        }
    }

    /// <summary>
    /// OpenIddict shows its own page for every validation error. Resources are checked after the redirect URI was matched
    /// exactly, so an unknown resource goes back to the client as <c>error=invalid_target</c> with its state (RFC 8707 §2).
    /// </summary>
    public sealed class RedirectInvalidTargetToTheClient : IOpenIddictServerHandler<ApplyAuthorizationResponseContext>
    {
        public ValueTask HandleAsync(ApplyAuthorizationResponseContext context)
        {
            var validation = context.Transaction.GetProperty<ValidateAuthorizationRequestContext>(typeof(ValidateAuthorizationRequestContext).FullName!);
            if (context.RedirectUri is null && validation is { IsRejected: true, Error: Errors.InvalidTarget, RedirectUri: { } redirectUri })
            {
                context.RedirectUri = redirectUri;
            }

            return ValueTask.CompletedTask;
        }
    }

    /// <summary>Clients with <c>ReferenceAccessTokens</c> get an opaque reference instead of a JWT; the claims stay in the issuer's store.</summary>
    public sealed class ReferenceAccessTokensForChosenClients(IOptions<DevIssuerOptions> devIssuer) : IOpenIddictServerHandler<GenerateTokenContext>
    {
        public ValueTask HandleAsync(GenerateTokenContext context)
        {
            if (context.TokenType is TokenTypeIdentifiers.AccessToken or TokenTypeHints.AccessToken
                && (context.ClientId ?? context.Request?.ClientId) is { } clientId
                && devIssuer.Value.Clients.Any(client => client.ReferenceAccessTokens && client.ClientId == clientId))
            {
                context.IsReferenceToken = true;
                context.PersistTokenPayload = true; // the claims live in the store; introspection reads them there
            }

            return ValueTask.CompletedTask;
        }
    }
}
