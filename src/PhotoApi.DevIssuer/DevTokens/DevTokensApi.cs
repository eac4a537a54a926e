using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using PhotoApi.DevIssuer.Configuration;

namespace PhotoApi.DevIssuer.DevTokens;

/// <summary>Body of <c>POST /dev/tokens</c>; <c>scopes</c> may be an array or one space-delimited string.</summary>
public sealed record DevTokenRequest(
    string? Subject,
    string? Name,
    string? Email,
    JsonElement? Scopes,
    int? LifetimeSeconds,
    string? ClientId,
    string? Acr,
    long? AuthTime,
    string? Audience,
    long? IssuedAt,
    string? Jkt = null,
    [property: JsonPropertyName("x5t#S256")] string? X5tS256 = null);

public sealed record DevTokenResponse(
    [property: JsonPropertyName("access_token")] string AccessToken,
    [property: JsonPropertyName("token_type")] string TokenType,
    [property: JsonPropertyName("expires_in")] long ExpiresIn,
    [property: JsonPropertyName("scope")] string Scope);

/// <summary>A development convenience, not an OAuth grant: mint any user's access token in one call.</summary>
public static class DevTokensApi
{
    public static WebApplicationBuilder AddDevTokens(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<DevTokenMinter>();
        return builder;
    }

    public static IEndpointRouteBuilder MapDevTokens(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/dev/tokens", Mint)
            .Accepts<DevTokenRequest>("application/json")
            .WithName("MintDevToken")
            .WithSummary("Mints an access token signed like the issuer's own (development only).")
            .DisableAntiforgery();
        return routes;
    }

    public static Results<Ok<DevTokenResponse>, ValidationProblem, ProblemHttpResult> Mint(
        JsonElement body,
        HttpContext http,
        DevTokenMinter minter,
        DemoUsers users,
        IOptions<DevIssuerOptions> options,
        TimeProvider time)
    {
        if (!options.Value.EnableDevTokens)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status404NotFound,
                title: "Development tokens are switched off",
                detail: $"{DevIssuerOptions.SectionName}:EnableDevTokens is false.");
        }

        // Deserialized here rather than by the framework so a wrongly typed field gets a per-field error.
        DevTokenRequest request;
        try
        {
            request = body.Deserialize<DevTokenRequest>(JsonSerializerOptions.Web)
                ?? throw new JsonException("The body must be a JSON object.", "$", null, null);
        }
        catch (JsonException ex)
        {
            var field = ex.Path is { Length: > 2 } path ? path[2..] : "body";
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                [field] = [$"{field} has the wrong type or format."],
            });
        }

        var defaults = new DevTokenDefaults(
            Issuer: IssuerUri.For(options.Value, http.Request),
            Audience: options.Value.Audience,
            Lifetime: options.Value.AccessTokenLifetime,
            Now: time.GetUtcNow());
        var (spec, errors) = DevTokenValidation.Validate(request, defaults, users);
        if (spec is null)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var token = minter.Mint(spec);
        var expiresIn = (long)(spec.IssuedAt + spec.Lifetime - defaults.Now).TotalSeconds;
        // RFC 9449 §5: a DPoP-bound token is of type DPoP; a certificate-bound one stays Bearer (RFC 8705 §3).
        var tokenType = spec.Jkt is null ? "Bearer" : "DPoP";
        return TypedResults.Ok(new DevTokenResponse(token, tokenType, expiresIn, string.Join(' ', spec.Scopes)));
    }
}
