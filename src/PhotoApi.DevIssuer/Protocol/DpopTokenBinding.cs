using System.Collections.Immutable;
using System.Text.Json;
using Microsoft.AspNetCore;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;
using static OpenIddict.Server.OpenIddictServerHandlers;

namespace PhotoApi.DevIssuer.Protocol;

/// <summary>
/// RFC 9449 §5 at the token endpoint, which OpenIddict 7.8 does not implement: a token request with a valid <c>DPoP</c> proof
/// gets an access token with <c>cnf.jkt</c> and <c>token_type: DPoP</c>; a public client's refresh token is bound to the same
/// key. A request without a DPoP header gets today's Bearer token.
/// </summary>
public static class DpopTokenBinding
{
    public const string InvalidDpopProof = "invalid_dpop_proof";
    public const string UseDpopNonce = "use_dpop_nonce";
    public const string HeaderName = "DPoP";
    public const string NonceHeaderName = "DPoP-Nonce";
    public const string TokenType = "DPoP";
    public const string ConfirmationClaim = "cnf";

    /// <summary>
    /// The key a public client's refresh token is bound to. Not <c>cnf</c>: OpenIddict reads a refresh token's cnf itself and
    /// throws on any member but x5t#S256 ("The specified token binding method is invalid or not supported").
    /// </summary>
    public const string RefreshBindingClaim = "dpop_jkt";

    private const string ThumbprintProperty = "photoapi:dpop_jkt";
    private const string NonceProperty = "photoapi:dpop_nonce";

    public static OpenIddictServerBuilder AddDpop(this OpenIddictServerBuilder server) => server
        .AddEventHandler<ValidateTokenRequestContext>(handler => handler
            .UseSingletonHandler<CheckTheProof>()
            .SetOrder(Exchange.ValidateGrantType.Descriptor.Order + 1)
            .SetType(OpenIddictServerHandlerType.Custom))
        .AddEventHandler<ValidateTokenRequestContext>(handler => handler
            .UseSingletonHandler<RequireTheRefreshTokensKey>()
            .SetOrder(Exchange.ValidateAuthentication.Descriptor.Order + 1)
            .SetType(OpenIddictServerHandlerType.Custom))
        .AddEventHandler<ProcessSignInContext>(handler => handler
            .UseScopedHandler<BindTheTokens>()
            .SetOrder(Math.Max(PrepareAccessTokenPrincipal.Descriptor.Order, PrepareRefreshTokenPrincipal.Descriptor.Order) + 1)
            .SetType(OpenIddictServerHandlerType.Custom))
        .AddEventHandler<ApplyTokenResponseContext>(handler => handler
            .UseSingletonHandler<AnswerWithTheDpopScheme>()
            .SetType(OpenIddictServerHandlerType.Custom))
        .AddEventHandler<HandleConfigurationRequestContext>(handler => handler
            .UseSingletonHandler<AdvertiseTheAlgorithms>()
            .SetOrder(Discovery.AttachAdditionalMetadata.Descriptor.Order + 1)
            .SetType(OpenIddictServerHandlerType.Custom));

    /// <summary>The thumbprint of the key a token request proved, or null (no DPoP header).</summary>
    public static string? ProvedThumbprint(this OpenIddictServerTransaction transaction) =>
        transaction.GetProperty<string>(ThumbprintProperty);

    /// <summary>§4.3: exactly one DPoP header, a valid proof for POST to this token endpoint.</summary>
    public sealed class CheckTheProof(DpopProofVerifier verifier) : IOpenIddictServerHandler<ValidateTokenRequestContext>
    {
        public async ValueTask HandleAsync(ValidateTokenRequestContext context)
        {
            var http = context.Transaction.GetHttpRequest()
                ?? throw new InvalidOperationException("The ASP.NET Core request cannot be retrieved.");
            var proofs = http.Headers[HeaderName];
            if (proofs.Count == 0)
            {
                return;
            }
            // §4.3 check 1: not more than one DPoP header.
            if (proofs.Count > 1)
            {
                context.Reject(InvalidDpopProof, "Send exactly one DPoP header.");
                return;
            }

            // The URL the client was sent to: the request's own, or under DevIssuer:Issuer when that names another origin or path.
            var path = ProtocolSetup.TokenPath.TrimStart('/');
            var tokenEndpoints = new List<Uri> { new(context.BaseUri ?? new Uri($"{http.Scheme}://{http.Host}{http.PathBase}/"), path) };
            if (context.Options.Issuer is { } issuer)
            {
                tokenEndpoints.Add(new Uri(new Uri(issuer.AbsoluteUri.TrimEnd('/') + "/"), path));
            }
            var check = await verifier.VerifyAsync(proofs[0]!, tokenEndpoints);
            if (check.NonceMissing)
            {
                // §8: use_dpop_nonce, with the nonce to use in the DPoP-Nonce header.
                context.Transaction.SetProperty(NonceProperty, UseDpopNonce);
                context.Reject(UseDpopNonce, check.Error);
                return;
            }
            if (check.Thumbprint is null)
            {
                context.Reject(InvalidDpopProof, check.Error);
                return;
            }
            context.Transaction.SetProperty(ThumbprintProperty, check.Thumbprint);
        }
    }

    /// <summary>§5: a refresh token bound to a key is used only with a proof signed by that key.</summary>
    public sealed class RequireTheRefreshTokensKey : IOpenIddictServerHandler<ValidateTokenRequestContext>
    {
        public ValueTask HandleAsync(ValidateTokenRequestContext context)
        {
            if (!context.Request.IsRefreshTokenGrantType() || context.RefreshTokenPrincipal?.GetClaim(RefreshBindingClaim) is not { Length: > 0 } bound)
            {
                return ValueTask.CompletedTask;
            }
            switch (context.Transaction.ProvedThumbprint())
            {
                case null:
                    context.Reject(InvalidDpopProof, "This refresh token is bound to a DPoP key: send a DPoP proof signed with it.");
                    break;
                case var proved when !string.Equals(proved, bound, StringComparison.Ordinal):
                    // RFC 6749 §5.2: the grant is not valid for this client's key.
                    context.Reject(Errors.InvalidGrant, "This refresh token is bound to another DPoP key.");
                    break;
            }
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>§6.1: <c>cnf.jkt</c> in the access token; §5: in a public client's refresh token too.</summary>
    public sealed class BindTheTokens(IOpenIddictApplicationManager applications) : IOpenIddictServerHandler<ProcessSignInContext>
    {
        public async ValueTask HandleAsync(ProcessSignInContext context)
        {
            if (context.EndpointType != OpenIddictServerEndpointType.Token)
            {
                return;
            }
            var thumbprint = context.Transaction.ProvedThumbprint();
            var cnf = thumbprint is null ? (JsonElement?)null : JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["jkt"] = thumbprint });
            if (context.AccessTokenPrincipal is { } access)
            {
                if (cnf is { } value)
                {
                    access.SetClaim(ConfirmationClaim, value);
                }
                // Without a proof only OpenIddict's own RFC 8705 §3.1 binding to this request's certificate stays.
                else if (!(context.Options.UseClientCertificateBoundAccessTokens && context.Transaction.RemoteCertificate is not null))
                {
                    access.RemoveClaims(ConfirmationClaim);
                }
            }
            if (context.RefreshTokenPrincipal is { } refresh)
            {
                // Confidential clients' refresh tokens stay unbound: client authentication already constrains them (§5).
                var isPublic = context.ClientId is { } clientId && await applications.FindByClientIdAsync(clientId) is { } application
                    && await applications.HasClientTypeAsync(application, ClientTypes.Public);
                refresh.SetClaim(RefreshBindingClaim, isPublic ? thumbprint : null);
            }
        }
    }

    /// <summary>§5: <c>token_type: DPoP</c> for a bound token; §8: the nonce to use next, when nonces are required.</summary>
    public sealed class AnswerWithTheDpopScheme(DpopNonces nonces) : IOpenIddictServerHandler<ApplyTokenResponseContext>
    {
        public ValueTask HandleAsync(ApplyTokenResponseContext context)
        {
            if (context.Transaction.ProvedThumbprint() is not null && !string.IsNullOrEmpty(context.Response.AccessToken))
            {
                context.Response.TokenType = TokenType;
            }
            if (nonces.Required && context.Transaction.GetHttpRequest() is { } http
                && (context.Transaction.GetProperty<string>(NonceProperty) is not null || http.Headers.ContainsKey(HeaderName)))
            {
                http.HttpContext.Response.Headers[NonceHeaderName] = nonces.Current();
            }
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>§5.1: the proof algorithms this issuer accepts.</summary>
    public sealed class AdvertiseTheAlgorithms : IOpenIddictServerHandler<HandleConfigurationRequestContext>
    {
        public ValueTask HandleAsync(HandleConfigurationRequestContext context)
        {
            context.Metadata["dpop_signing_alg_values_supported"] = ImmutableArray.Create<string?>(DpopProofVerifier.Algorithms);
            return ValueTask.CompletedTask;
        }
    }
}
