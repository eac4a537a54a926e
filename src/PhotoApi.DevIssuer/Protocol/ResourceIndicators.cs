using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using PhotoApi.DevIssuer.Configuration;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;
using static OpenIddict.Server.OpenIddictServerHandlers;

namespace PhotoApi.DevIssuer.Protocol;

/// <summary>
/// RFC 8707 resource indicators and reference (opaque) access tokens. OpenIddict validates <c>resource</c> against the
/// registered resources (<c>DevIssuer:Resources</c>); these handlers make a requested resource the token's audience, send
/// <c>invalid_target</c> back to the client instead of showing a page, and give chosen clients reference access tokens.
/// </summary>
public static class ResourceIndicators
{
    public static OpenIddictServerBuilder AddResourceIndicators(this OpenIddictServerBuilder server) => server
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

    /// <summary>Registers <c>DevIssuer:Resources</c>: OpenIddict refuses any other resource with <c>invalid_target</c> (RFC 8707 §2).</summary>
    public sealed class RegisterConfiguredResources(IOptions<DevIssuerOptions> devIssuer) : IConfigureOptions<OpenIddictServerOptions>
    {
        public void Configure(OpenIddictServerOptions options)
        {
            foreach (var resource in devIssuer.Value.Resources)
            {
                options.Resources.Add(new Uri(resource, UriKind.Absolute));
            }
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
            if (context.TokenType == TokenTypeIdentifiers.AccessToken
                && context.Principal?.GetPresenters().FirstOrDefault() is { } clientId
                && devIssuer.Value.Clients.Any(client => client.ReferenceAccessTokens && client.ClientId == clientId))
            {
                context.IsReferenceToken = true;
            }

            return ValueTask.CompletedTask;
        }
    }
}
