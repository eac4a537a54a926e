using Microsoft.AspNetCore.Routing;

namespace PhotoApi.Tests.Security;

/// <summary>One route of the API as the app itself lists it (so a new endpoint joins every matrix automatically).</summary>
public sealed record ApiRoute(string Method, string Pattern, IReadOnlyList<string> Parameters, bool Anonymous)
{
    public override string ToString() => $"{Method} {Pattern}";

    /// <summary>The route with each parameter replaced by the value <paramref name="value"/> gives for it.</summary>
    public string Path(Func<string, string> value) =>
        Parameters.Aggregate(Pattern, (path, name) => path.Replace($"{{{name}}}", Uri.EscapeDataString(value(name)), StringComparison.Ordinal));
}

public static class EndpointMatrix
{
    /// <summary>Every HTTP route the app maps (Swagger UI is middleware, not an endpoint).</summary>
    public static IReadOnlyList<ApiRoute> Routes(IServiceProvider services) =>
        services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                .Select(m => new ApiRoute(m, e.RoutePattern.RawText!.TrimEnd('/'), e.RoutePattern.Parameters.Select(p => p.Name).ToList(),
                    e.Metadata.GetMetadata<Microsoft.AspNetCore.Authorization.IAllowAnonymous>() is not null)))
            .Where(r => r.Method != "HEAD" && r.Method != "OPTIONS")
            .ToList();

    /// <summary>
    /// A request body that is valid for the route, so a refusal can only come from authorization or lookup. A new write
    /// endpoint without an entry here fails the matrix until one is added.
    /// </summary>
    public static HttpContent? ValidBody(ApiRoute route) => (route.Method, route.Pattern) switch
    {
        ("POST", "/v1/photos") => JsonContent.Create(new { title = "matrix" }),
        ("PATCH", "/v1/photos/{id}") => JsonContent.Create(new { title = "changed by someone else" }),
        ("PUT", "/v1/photos/{id}/content") => Images.Content(Images.Png(2048, seed: 77), "image/png"),
        ("POST", "/v1/albums") => JsonContent.Create(new { title = "matrix" }),
        ("PATCH", "/v1/albums/{id}") => JsonContent.Create(new { title = "changed by someone else" }),
        (_, _) when route.Method is "GET" or "DELETE" => null,
        ("PUT", "/v1/albums/{id}/photos/{photoId}") => null,
        _ => throw new InvalidOperationException($"{route} has no sample body in EndpointMatrix.ValidBody: add one so the security matrices cover it."),
    };

    /// <summary>The kind of object a route parameter names: "photo" or "album".</summary>
    public static string KindOf(ApiRoute route, string parameter) => parameter switch
    {
        "photoId" => "photo",
        "id" when route.Pattern.StartsWith("/v1/photos", StringComparison.Ordinal) => "photo",
        "id" when route.Pattern.StartsWith("/v1/albums", StringComparison.Ordinal) => "album",
        _ => throw new InvalidOperationException($"{route}: unknown route parameter '{parameter}'; teach EndpointMatrix.KindOf what it names."),
    };
}
