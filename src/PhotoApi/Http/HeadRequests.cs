namespace PhotoApi.Http;

/// <summary>
/// RFC 9110 §9.1 and §9.3.2: HEAD wherever GET, with the same status, headers and authorization and no body. Routing
/// sees a GET (minimal APIs map GET only); the endpoint sees HEAD again, so results that know HEAD (file streams) skip
/// the body, and Kestrel discards any body the others write.
/// </summary>
public static class HeadRequests
{
    private sealed class RoutedAsGet;

    private static readonly RoutedAsGet Marker = new();

    /// <summary>Before routing: a HEAD request is routed, limited and authorized exactly as the GET it mirrors.</summary>
    public static IApplicationBuilder UseHeadAsGet(this IApplicationBuilder app) => app.Use(static (context, next) =>
    {
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            return next(context);
        }
        context.Request.Method = HttpMethods.Get;
        context.Features.Set(Marker);
        return RunAsHeadAfterwardsAsync(context, next);
    });

    /// <summary>The method the client sent: HEAD for a HEAD request that is routed as a GET (a DPoP proof's <c>htm</c> names it).</summary>
    public static string ClientMethod(HttpContext context) =>
        context.Features.Get<RoutedAsGet>() is not null ? HttpMethods.Head : context.Request.Method;

    /// <summary>After authorization, in front of the endpoint: the handler and its result see the real method.</summary>
    public static IApplicationBuilder UseHeadForEndpoints(this IApplicationBuilder app) => app.Use(static (context, next) =>
    {
        if (context.Features.Get<RoutedAsGet>() is not null)
        {
            context.Request.Method = HttpMethods.Head;
        }
        return next(context);
    });

    private static async Task RunAsHeadAfterwardsAsync(HttpContext context, RequestDelegate next)
    {
        try
        {
            await next(context);
        }
        finally
        {
            // The request log and metrics report what the client sent.
            context.Request.Method = HttpMethods.Head;
        }
    }
}
