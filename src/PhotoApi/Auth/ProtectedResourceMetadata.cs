using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace PhotoApi.Auth;

/// <summary>RFC 9728 protected resource metadata: how a client learns which authorization servers and scopes this API uses.</summary>
public sealed record ProtectedResourceDocument(
    [property: JsonPropertyName("resource")] string Resource,
    [property: JsonPropertyName("resource_name")] string ResourceName,
    [property: JsonPropertyName("authorization_servers")] IReadOnlyList<string> AuthorizationServers,
    [property: JsonPropertyName("scopes_supported")] IReadOnlyList<string> ScopesSupported,
    [property: JsonPropertyName("bearer_methods_supported")] IReadOnlyList<string> BearerMethodsSupported,
    [property: JsonPropertyName("resource_documentation")] string ResourceDocumentation,
    [property: JsonPropertyName("dpop_signing_alg_values_supported"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? DpopSigningAlgValuesSupported,
    [property: JsonPropertyName("dpop_bound_access_tokens_required")] bool DpopBoundAccessTokensRequired,
    [property: JsonPropertyName("tls_client_certificate_bound_access_tokens")] bool TlsClientCertificateBoundAccessTokens);

public static class ProtectedResourceMetadata
{
    public const string WellKnownPath = "/.well-known/oauth-protected-resource";

    public static IEndpointRouteBuilder MapProtectedResourceMetadata(this IEndpointRouteBuilder routes)
    {
        routes.MapGet(WellKnownPath, GetMetadata)
            .AllowAnonymous()
            .WithTags("Discovery")
            .WithName("GetProtectedResourceMetadata")
            .WithSummary("RFC 9728 protected resource metadata")
            .WithDescription("Which authorization servers issue tokens for this API, which scopes it understands, and how to send a token.");
        return routes;
    }

    private static Ok<ProtectedResourceDocument> GetMetadata(HttpRequest request, TrustedIssuers issuers, SenderConstraint senderConstraint)
    {
        var resource = ResourceUri(request);
        return TypedResults.Ok(new ProtectedResourceDocument(
            resource,
            "PhotoApi",
            issuers.All.Select(i => i.Keys.Current?.Issuer ?? i.Issuer).ToArray(),
            Scopes.All,
            ["header"],
            $"{resource.TrimEnd('/')}/swagger",
            // RFC 9728 §2: which DPoP algorithms proofs may use, whether DPoP is always required, whether mTLS-bound tokens work.
            senderConstraint.DpopEnabled ? senderConstraint.DpopAlgorithms : null,
            senderConstraint.DpopRequired,
            senderConstraint.CertificateBoundTokens));
    }

    /// <summary>This API's resource identifier: <c>Auth__ResourceUri</c>, or the request's own origin.</summary>
    public static string ResourceUri(HttpRequest request)
    {
        var configured = request.HttpContext.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value.ResourceUri;
        return configured ?? $"{request.Scheme}://{request.Host}{request.PathBase}";
    }

    /// <summary>RFC 9728 §3.1: the well-known segment goes between the host and any path of the resource identifier.</summary>
    public static string MetadataUrl(HttpRequest request)
    {
        var resource = new Uri(ResourceUri(request));
        var path = resource.AbsolutePath.TrimEnd('/');
        return $"{resource.GetLeftPart(UriPartial.Authority)}{WellKnownPath}{path}";
    }
}
