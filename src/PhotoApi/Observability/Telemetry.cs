using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using PhotoApi.Auth;

namespace PhotoApi.Observability;

/// <summary>
/// OpenTelemetry traces and metrics (ASP.NET Core, HttpClient, Npgsql and PhotoApi's own meter), exported over OTLP.
/// Off unless <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set: the OpenTelemetry specification's own variable, so every
/// other <c>OTEL_*</c> setting (protocol, headers, service name, sampler) works as documented there.
/// </summary>
public static class Telemetry
{
    public const string EndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public const string ServiceName = "photoapi";

    public static IHostApplicationBuilder AddPhotoApiTelemetry(this IHostApplicationBuilder builder)
    {
        if (string.IsNullOrWhiteSpace(builder.Configuration[EndpointSetting]))
        {
            return builder;
        }

        var serviceNameSet = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_SERVICE_NAME"]);
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource =>
            {
                if (!serviceNameSet)
                {
                    resource.AddService(ServiceName);
                }
            })
            // No header is recorded by any of these (the Authorization header holds the token), query values are redacted
            // (page tokens), exceptions are not recorded (ServiceExceptionHandler logs them once), and Npgsql records the SQL
            // text without parameter values.
            .WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddNpgsql())
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddNpgsqlInstrumentation()
                .AddMeter(AuthMetrics.MeterName))
            .UseOtlpExporter();
        return builder;
    }
}
