using System.Collections.Immutable;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;
using static OpenIddict.Server.OpenIddictServerHandlers;

namespace PhotoApi.DevIssuer.Protocol;

/// <summary>
/// Where OpenIddict 7.8 answers differently from the RFCs, or tersely, these handlers run just before its own
/// and answer the way a real issuer (and a certified client library) expects.
/// </summary>
public static class ProtocolRefusals
{
    public const string ImplicitRefused =
        "The implicit grant is not supported: it returns tokens in the redirect URI, where browsers, logs and referrers leak them "
        + "(RFC 9700 §2.1.2). Use response_type=code with PKCE.";

    public const string PasswordRefused =
        "The resource owner password credentials grant is not supported: it hands the user's password to the client and cannot do "
        + "multi-factor sign-in (RFC 9700 §2.4). Use the authorization code flow, or the device flow on devices without a browser.";

    public static OpenIddictServerBuilder AddProtocolRefusals(this OpenIddictServerBuilder server) => server
        .AddEventHandler<ValidateAuthorizationRequestContext>(handler => handler
            .UseSingletonHandler<RefuseImplicitGrant>()
            .SetOrder(Authentication.ValidateResponseTypeParameter.Descriptor.Order - 1)
            .SetType(OpenIddictServerHandlerType.Custom))
        .AddEventHandler<ValidateTokenRequestContext>(handler => handler
            .UseSingletonHandler<RefusePasswordGrant>()
            .SetOrder(Exchange.ValidateGrantType.Descriptor.Order - 1)
            .SetType(OpenIddictServerHandlerType.Custom))
        .AddEventHandler<ValidateAuthorizationRequestContext>(handler => handler
            .UseScopedHandler<RefuseScopesTheClientMayNotUse>()
            .SetOrder(Authentication.ValidateScopePermissions.Descriptor.Order - 1)
            .SetType(OpenIddictServerHandlerType.Custom))
        .AddEventHandler<ValidateTokenRequestContext>(handler => handler
            .UseScopedHandler<RefuseScopesTheClientMayNotUse>()
            .SetOrder(Exchange.ValidateScopePermissions.Descriptor.Order - 1)
            .SetType(OpenIddictServerHandlerType.Custom))
        .AddEventHandler<ValidateDeviceAuthorizationRequestContext>(handler => handler
            .UseScopedHandler<RefuseScopesTheClientMayNotUse>()
            .SetOrder(Device.ValidateScopePermissions.Descriptor.Order - 1)
            .SetType(OpenIddictServerHandlerType.Custom))
        .AddEventHandler<ApplyAuthorizationResponseContext>(handler => handler
            .UseSingletonHandler<RedirectInvalidScopeToTheClient>()
            .SetOrder(Authentication.AttachRedirectUri.Descriptor.Order + 1)
            .SetType(OpenIddictServerHandlerType.Custom));

    /// <summary>
    /// OpenIddict shows every validation error on its own page. Scopes are checked after the client's redirect URI was
    /// matched exactly, so invalid_scope goes back to the client with its state, as RFC 6749 §4.1.2.1 asks.
    /// </summary>
    public sealed class RedirectInvalidScopeToTheClient : IOpenIddictServerHandler<ApplyAuthorizationResponseContext>
    {
        public ValueTask HandleAsync(ApplyAuthorizationResponseContext context)
        {
            var validation = context.Transaction.GetProperty<ValidateAuthorizationRequestContext>(typeof(ValidateAuthorizationRequestContext).FullName!);
            if (context.RedirectUri is null && validation is { IsRejected: true, Error: Errors.InvalidScope, RedirectUri: { } redirectUri })
            {
                context.RedirectUri = redirectUri;
            }

            return ValueTask.CompletedTask;
        }
    }

    /// <summary>response_type=token (or id_token): the implicit and hybrid flows are off, and the error says why.</summary>
    public sealed class RefuseImplicitGrant : IOpenIddictServerHandler<ValidateAuthorizationRequestContext>
    {
        public ValueTask HandleAsync(ValidateAuthorizationRequestContext context)
        {
            var types = context.Request.GetResponseTypes();
            if (types.Contains(ResponseTypes.Token) || types.Contains(ResponseTypes.IdToken))
            {
                // RFC 6749 §4.1.2.1: unsupported_response_type.
                context.Reject(Errors.UnsupportedResponseType, ImplicitRefused);
            }

            return ValueTask.CompletedTask;
        }
    }

    public sealed class RefusePasswordGrant : IOpenIddictServerHandler<ValidateTokenRequestContext>
    {
        public ValueTask HandleAsync(ValidateTokenRequestContext context)
        {
            if (context.Request.IsPasswordGrantType())
            {
                // RFC 6749 §5.2: unsupported_grant_type.
                context.Reject(Errors.UnsupportedGrantType, PasswordRefused);
            }

            return ValueTask.CompletedTask;
        }
    }

    /// <summary>
    /// A registered scope the client is not allowed is <c>invalid_scope</c> (RFC 6749 §5.2, §4.1.2.1, RFC 8628 §3.2);
    /// OpenIddict 7.8 says invalid_request. The protocol scopes openid and offline_access are exempt, as in OpenIddict.
    /// </summary>
    public sealed class RefuseScopesTheClientMayNotUse(IOpenIddictApplicationManager applications) :
        IOpenIddictServerHandler<ValidateAuthorizationRequestContext>,
        IOpenIddictServerHandler<ValidateTokenRequestContext>,
        IOpenIddictServerHandler<ValidateDeviceAuthorizationRequestContext>
    {
        public ValueTask HandleAsync(ValidateAuthorizationRequestContext context) => CheckAsync(context, context.ClientId, context.Request.GetScopes());

        public ValueTask HandleAsync(ValidateTokenRequestContext context) => CheckAsync(context, context.ClientId, context.Request.GetScopes());

        public ValueTask HandleAsync(ValidateDeviceAuthorizationRequestContext context) => CheckAsync(context, context.ClientId, context.Request.GetScopes());

        private async ValueTask CheckAsync(BaseValidatingContext context, string? clientId, ImmutableArray<string> scopes)
        {
            if (string.IsNullOrEmpty(clientId) || await applications.FindByClientIdAsync(clientId) is not { } application)
            {
                return; // OpenIddict's own handlers refuse unknown clients.
            }

            foreach (var scope in scopes.Where(scope => scope is not (Scopes.OpenId or Scopes.OfflineAccess)))
            {
                if (!await applications.HasPermissionAsync(application, Permissions.Prefixes.Scope + scope))
                {
                    // Only registered scopes get this far (unknown ones are refused earlier), so naming it echoes nothing new.
                    context.Reject(Errors.InvalidScope, $"This client is not allowed to request the scope '{scope}'.");
                    return;
                }
            }
        }
    }
}
