using System.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using PhotoApi.Configuration;

namespace PhotoApi.Http;

public static class HttpSetup
{
    /// <summary>Problem details for every error, and page tokens.</summary>
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

        // Validated at start-up, so a bad key stops the API instead of answering 500 to the first list request.
        builder.AddSettings<PagingOptions, PagingRules>(PagingOptions.Section);
        services.AddSingleton<PagingKey>();
        services.AddSingleton(provider => new Data.SharedKeyPurpose(PagingKey.Purpose,
            FromDatabase: () => string.IsNullOrWhiteSpace(provider.GetRequiredService<IOptions<PagingOptions>>().Value.TokenKey)));
        services.AddSingleton<PageToken>();
        return builder;
    }

    public static WebApplication UsePhotoApiHttp(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
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
