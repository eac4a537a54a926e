using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace PhotoApi.Traffic;

/// <summary>What every connection and response gets before any endpoint runs: Kestrel's limits, stated, and the safe headers.</summary>
public static class Hardening
{
    public static IHostApplicationBuilder AddPhotoApiHardening(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<KestrelServerOptions>(options =>
        {
            options.AddServerHeader = false;
            // Stated rather than inherited: a token larger than this never reaches authentication (Kestrel answers 431).
            options.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
            options.Limits.MaxRequestHeaderCount = 64;
            options.Limits.MaxRequestLineSize = 8 * 1024;
        });
        return builder;
    }

    /// <summary><c>nosniff</c> on everything, and <c>no-store</c> unless an endpoint set its own Cache-Control.</summary>
    public static WebApplication UseSecurityHeaders(this WebApplication app)
    {
        app.Use(static (context, next) =>
        {
            context.Response.OnStarting(static state =>
            {
                var headers = ((HttpContext)state).Response.Headers;
                headers.XContentTypeOptions = "nosniff";
                // API responses are per-user: nothing may be stored by shared caches unless an endpoint says otherwise.
                if (!headers.ContainsKey("Cache-Control"))
                {
                    headers.CacheControl = "no-store";
                }
                return Task.CompletedTask;
            }, context);
            return next(context);
        });
        return app;
    }
}
