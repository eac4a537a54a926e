using System.Diagnostics;

namespace PhotoApi.Http;

/// <summary>
/// One line per request: method, path, status, time. Never the query string (page tokens live there) or any header
/// (the Authorization header holds the token). ASP.NET's own "Request starting ... ?query" lines are filtered out for that reason.
/// </summary>
public static partial class RequestLog
{
    public const string HostingDiagnostics = "Microsoft.AspNetCore.Hosting.Diagnostics";

    public const string JwtBearerHandlerCategory = "Microsoft.AspNetCore.Authentication.JwtBearer.JwtBearerHandler";

    public static IHostApplicationBuilder AddPhotoApiRequestLog(this IHostApplicationBuilder builder)
    {
        // Registered after the configuration's rules, so it wins over an appsettings "Microsoft.AspNetCore" level.
        builder.Logging.AddFilter(HostingDiagnostics, LogLevel.Warning);
        // A bad token is the client's error: JwtBearer logs each one at Information with its exception (a stack trace per
        // request). The rejection reason is counted in photoapi.auth.token_rejections instead.
        builder.Logging.AddFilter(JwtBearerHandlerCategory, LogLevel.Warning);
        return builder;
    }

    public static WebApplication UsePhotoApiRequestLog(this WebApplication app)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("PhotoApi.Requests");
        app.Use(async (context, next) =>
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                await next(context);
            }
            finally
            {
                Completed(logger, context.Request.Method, context.Request.Path, context.Response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        });
        return app;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Method} {Path} answered {Status} in {ElapsedMs:0.0} ms")]
    private static partial void Completed(ILogger logger, string method, PathString path, int status, double elapsedMs);
}
