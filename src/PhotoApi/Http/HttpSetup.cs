using System.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using PhotoApi.Configuration;

namespace PhotoApi.Http;

public static class HttpSetup
{
    /// <summary>Problem details for every error, source-generated JSON, page tokens, and server hardening.</summary>
    public static IHostApplicationBuilder AddPhotoApiHttp(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        // Registered before AddProblemDetails so it is asked first: errors are problem+json whatever Accept says.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IProblemDetailsWriter, ProblemJson>());
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
            context.ProblemDetails.Extensions.TryAdd("traceId", Activity.Current?.Id ?? context.HttpContext.TraceIdentifier));
        services.AddExceptionHandler<ServiceExceptionHandler>();
        // Binding failures (pageSize=abc) become BadHttpRequestException, which ServiceExceptionHandler turns into a 400 problem.
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.Configure<KestrelServerOptions>(options =>
        {
            options.AddServerHeader = false;
            // Stated rather than inherited: a token larger than this never reaches authentication (Kestrel answers 431).
            options.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
            options.Limits.MaxRequestHeaderCount = 64;
            options.Limits.MaxRequestLineSize = 8 * 1024;
        });

        // Validated at start-up, so a bad key stops the API instead of answering 500 to the first list request.
        builder.AddSettings<PagingOptions>(PagingOptions.Section)
            .Validate(o => string.IsNullOrWhiteSpace(o.TokenKey) || PagingOptions.IsUsableKey(o.TokenKey),
                "Paging__TokenKey must be base64 of at least 32 bytes (e.g. openssl rand -base64 32), or unset to share a generated key through the database.")
            .ValidateOnStart();
        services.AddSingleton<PagingKey>();
        services.AddSingleton(provider => new Data.SharedKeyPurpose(PagingKey.Purpose,
            FromDatabase: () => string.IsNullOrWhiteSpace(provider.GetRequiredService<IConfiguration>()["Paging:TokenKey"])));
        services.AddSingleton<PageToken>();
        return builder;
    }

    public static WebApplication UsePhotoApiHttp(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
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

    /// <summary>Sets the body size limit of the current request (Kestrel enforces it while reading); null lifts it.</summary>
    public static void LimitBodySize(this HttpContext context, long? bytes)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = bytes;
        }
    }
}

/// <summary>Each feature registers the source-generated JSON of its own response shapes: no reflection on the hot path.</summary>
public static class JsonTypes
{
    public static IServiceCollection AddJsonTypes(this IServiceCollection services, System.Text.Json.Serialization.JsonSerializerContext context) =>
        services.ConfigureHttpJsonOptions(options => options.SerializerOptions.TypeInfoResolverChain.Insert(0, context));
}
