using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.HostFiltering;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

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
    public const string Tag = "Discovery";
    public const string TagText = "What a client reads before calling: the authorization servers, scopes and token methods (RFC 9728).";

    public static IEndpointRouteBuilder MapProtectedResourceMetadata(this IEndpointRouteBuilder routes)
    {
        routes.MapGet(WellKnownPath, GetMetadata)
            .AllowAnonymous()
            .WithTags(Tag)
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

    /// <summary>
    /// This API's resource identifier: <c>Auth__ResourceUri</c> (required outside Development, see <see cref="ResourceUriValidation"/>).
    /// In Development only, the request's origin when host filtering allows its Host, else <see cref="DevelopmentFallback"/>.
    /// </summary>
    public static string ResourceUri(HttpRequest request)
    {
        var services = request.HttpContext.RequestServices;
        if (services.GetRequiredService<IOptions<AuthOptions>>().Value.ResourceUri is { } configured)
        {
            return configured;
        }
        // RFC 9110 §7.2: Host may be missing (HTTP/1.0) or empty; a client's Host is only used if AllowedHosts names it.
        var host = request.Host;
        var allowed = services.GetRequiredService<IOptions<HostFilteringOptions>>().Value.AllowedHosts;
        if (host.HasValue && (allowed.Contains("*") || HostString.MatchesAny(host.Host, allowed.Select(h => new StringSegment(h)).ToList()))
            && Uri.TryCreate($"{request.Scheme}://{host}{request.PathBase}", UriKind.Absolute, out var derived))
        {
            return derived.GetLeftPart(UriPartial.Path).TrimEnd('/');
        }
        return DevelopmentFallback;
    }

    /// <summary>The resource identifier of a Development request whose Host is missing, empty or not allowed.</summary>
    public const string DevelopmentFallback = "http://localhost";

    /// <summary>RFC 9728 §3.1: the well-known segment goes between the host and any path of the resource identifier.</summary>
    public static string MetadataUrl(HttpRequest request)
    {
        var resource = new Uri(ResourceUri(request));
        var path = resource.AbsolutePath.TrimEnd('/');
        return $"{resource.GetLeftPart(UriPartial.Authority)}{WellKnownPath}{path}";
    }
}

/// <summary>
/// <c>Auth__ResourceUri</c> is required outside Development: the RFC 9728 resource identifier is configuration, never
/// whatever Host header a client sends.
/// </summary>
public sealed class ResourceUriValidation(IHostEnvironment environment) : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.ResourceUri) && !environment.IsDevelopment())
        {
            return ValidateOptionsResult.Fail(
                "Auth__ResourceUri is required outside Development: this API's public URL (its RFC 9728 resource identifier), e.g. https://photos.example.com.");
        }
        if (options.ResourceUri is { } uri && (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("https" or "http")))
        {
            return ValidateOptionsResult.Fail("Auth__ResourceUri must be an absolute http(s) URL.");
        }
        return ValidateOptionsResult.Success;
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ProtectedResourceDocument))]
internal sealed partial class AuthJsonContext : JsonSerializerContext;
