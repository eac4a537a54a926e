using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using PhotoApi.Auth;
using PhotoApi.Configuration;
using PhotoApi.Http;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace PhotoApi.OpenApi;

/// <summary>The <c>OpenApi__*</c> settings.</summary>
public sealed class OpenApiOptions
{
    public const string Section = "OpenApi";

    /// <summary>The client id Swagger UI signs in with at the issuer (authorization code + PKCE).</summary>
    public string SwaggerClientId { get; set; } = "swagger";
}

internal sealed class OpenApiRules : SettingsRules<OpenApiOptions>
{
    protected override IEnumerable<string> Broken(OpenApiOptions o)
    {
        if (string.IsNullOrWhiteSpace(o.SwaggerClientId))
        {
            yield return "OpenApi__SwaggerClientId must not be empty.";
        }
    }
}

/// <summary>The OpenAPI document (Swashbuckle) and Swagger UI at /swagger. openapi.yaml at the repository root is this document.</summary>
public static class OpenApiSetup
{
    public const string DocumentName = "v1";
    public const string BearerScheme = "bearer";
    public const string OpenIdConnectScheme = "oidc";

    /// <summary>OpenAPI 3.1: its schemas are JSON Schema 2020-12, and every security alternative can name the scope it needs.</summary>
    public const OpenApiSpecVersion DocumentVersion = OpenApiSpecVersion.OpenApi3_1;

    /// <summary>Swagger UI reads the issuer's discovery document through this path (a redirect), so openapi.yaml stays the same in every environment.</summary>
    public const string DiscoveryPath = "/swagger/openid-configuration";

    public static IHostApplicationBuilder AddPhotoApiOpenApi(this IHostApplicationBuilder builder)
    {
        builder.AddSettings<OpenApiOptions, OpenApiRules>(OpenApiOptions.Section);
        builder.Services.AddEndpointsApiExplorer();
        builder.Services.AddSwaggerGen(options =>
        {
            options.SwaggerDoc(DocumentName, new OpenApiInfo
            {
                Title = "PhotoApi",
                Version = "v1",
                Contact = new OpenApiContact { Name = "PhotoApi maintainers (see README.md and SECURITY.md in the repository)" },
                Description = "An OAuth 2.0 protected resource: each user's photos, photo content and albums. "
                    + "Send an access token from a trusted authorization server as 'Authorization: Bearer <token>'. "
                    + "Scopes: photos.read (view), photos.write (change), photos.admin (service totals). "
                    + "Errors are application/problem+json (RFC 9457); 401 and 403 carry RFC 6750 WWW-Authenticate challenges.",
            });
            options.AddSecurityDefinition(BearerScheme, new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT",
                Description = "Paste an access token (JWT) from the configured issuer. The dev issuer prints ready-made tokens at start-up.",
            });
            // Swagger UI's Authorize button: authorization code + PKCE against the configured issuer, endpoints read from its discovery document.
            options.AddSecurityDefinition(OpenIdConnectScheme, new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.OpenIdConnect,
                OpenIdConnectUrl = new Uri(DiscoveryPath, UriKind.Relative),
                Description = "Sign in at the configured authorization server (authorization code with PKCE) and consent to the scopes you pick.",
            });
            // Relative to where the document is served (OAS 3.1 §4.8.5): the same document for every deployment.
            options.AddServer(new OpenApiServer { Url = "/", Description = "This API, where the document is served (the quick start: http://localhost:5000)." });
            options.OperationFilter<ScopeOperationFilter>();
            options.OperationFilter<BinaryBodyOperationFilter>();
            options.OperationFilter<HeadersOperationFilter>();
            options.OperationFilter<ServiceProblemsOperationFilter>();
            options.DocumentFilter<TagDescriptionsDocumentFilter>();
            options.SchemaFilter<DisallowNullSchemaFilter>();
            options.SupportNonNullableReferenceTypes();
            // Page<PhotoResponse> is "PhotoPage" in the document, as a client generator would name it by hand.
            var defaultIds = options.SchemaGeneratorOptions.SchemaIdSelector;
            options.CustomSchemaIds(type => type.IsConstructedGenericType && type.GetGenericTypeDefinition() == typeof(Page<>)
                ? type.GetGenericArguments()[0].Name.Replace("Response", "", StringComparison.Ordinal) + "Page"
                : defaultIds(type));
        });
        return builder;
    }

    public static WebApplication UsePhotoApiOpenApi(this WebApplication app)
    {
        var clientId = app.Services.GetRequiredService<IOptions<OpenApiOptions>>().Value.SwaggerClientId;
        // Before authentication: the document and the UI are public. In a branch, so API requests pay one path check
        // instead of Swashbuckle's template and regex matching (measured in docs/performance.md).
        app.UseWhen(context => context.Request.Path.StartsWithSegments("/swagger"), swagger => swagger.UseSwagger(options => options.OpenApiVersion = DocumentVersion).UseSwaggerUI(options =>
        {
            options.SwaggerEndpoint($"/swagger/{DocumentName}/swagger.json", "PhotoApi v1");
            options.DocumentTitle = "PhotoApi";
            options.EnablePersistAuthorization();
            options.DisplayRequestDuration();
            options.OAuthClientId(clientId);
            options.OAuthAppName("PhotoApi Swagger UI");
            options.OAuthUsePkce();
            options.OAuthScopeSeparator(" ");
        }));
        return app;
    }

    /// <summary>Redirects to the (first) trusted issuer's discovery document, for Swagger UI's OpenID Connect scheme.</summary>
    public static IEndpointRouteBuilder MapSwaggerDiscovery(this IEndpointRouteBuilder routes)
    {
        routes.MapGet(DiscoveryPath, (TrustedIssuers issuers) => TypedResults.Redirect(issuers.All[0].MetadataAddress))
            .AllowAnonymous()
            .ExcludeFromDescription();
        return routes;
    }
}

/// <summary>Puts each endpoint's scope into its security requirement, with the 401/403 answers it can give.</summary>
public sealed class ScopeOperationFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var metadata = context.ApiDescription.ActionDescriptor.EndpointMetadata;
        if (metadata.OfType<IAllowAnonymous>().Any())
        {
            // No token needed: an empty list, not a missing one (OAS 3.1 §4.8.10: "An empty array removes the requirement").
            operation.Security = [];
            return;
        }

        var scope = metadata.OfType<ScopeDeclaration>().LastOrDefault()?.Scope;
        // Either a pasted token or a sign-in through the issuer (then Swagger UI shows and requests the scope). Both name the
        // scope: a token without it is refused whichever way it was obtained (OAS 3.1 §4.8.30.1 allows roles for http schemes).
        List<string> scopes = scope is null ? [] : [scope];
        operation.Security ??= [];
        operation.Security.Add(new OpenApiSecurityRequirement
        {
            [new OpenApiSecuritySchemeReference(OpenApiSetup.BearerScheme, context.Document)] = scopes,
        });
        operation.Security.Add(new OpenApiSecurityRequirement
        {
            [new OpenApiSecuritySchemeReference(OpenApiSetup.OpenIdConnectScheme, context.Document)] = [.. scopes],
        });

        var problem = context.SchemaGenerator.GenerateSchema(typeof(ProblemDetails), context.SchemaRepository);
        operation.Responses ??= [];
        var stepUp = metadata.OfType<IAuthorizeData>().Any(a => a.Policy == StepUpRequirement.Policy);
        operation.Responses.TryAdd("401", Problem(problem, stepUp
            ? "No token, a token that is invalid (WWW-Authenticate: Bearer error=\"invalid_token\"), or, when step-up is configured, a sign-in too old or too weak for this destructive operation (error=\"insufficient_user_authentication\", RFC 9470)."
            : "No token, or a token that is invalid (WWW-Authenticate: Bearer error=\"invalid_token\")."));
        operation.Responses.TryAdd("403", Problem(problem,
            $"The token lacks the scope {scope} (WWW-Authenticate: Bearer error=\"insufficient_scope\", scope=\"{scope}\"), was issued to an application where a user is needed, or shows neither a user nor an application."));
        operation.Description = string.IsNullOrEmpty(operation.Description)
            ? RequiredScopeText(scope)
            : $"{operation.Description}\n\n{RequiredScopeText(scope)}";
        operation.Extensions ??= new Dictionary<string, IOpenApiExtension>();
        operation.Extensions["x-required-scope"] = new JsonNodeExtension(scope ?? "");
    }

    private static string RequiredScopeText(string? scope) => $"Requires scope `{scope}`.";

    private static OpenApiResponse Problem(IOpenApiSchema schema, string description) => new()
    {
        Description = description,
        Content = new Dictionary<string, IOpenApiMediaType>
        {
            ["application/problem+json"] = new OpenApiMediaType { Schema = schema },
        },
    };
}
