using System.Diagnostics;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using PhotoApi.Auth;
using PhotoApi.Configuration;

namespace PhotoApi.Observability;

/// <summary>The <c>RequestLog__*</c> settings: what the API writes about the requests it answers.</summary>
public sealed class RequestLogOptions
{
    public const string Section = "RequestLog";

    /// <summary>One line per request (method, path, status, time). Off by default: a successful request writes nothing.</summary>
    public bool EveryRequest { get; set; }

    /// <summary>How often the answers with a 4xx/5xx status are summarised in one line (counts by status and reason).</summary>
    public TimeSpan ErrorSummaryInterval { get; set; } = TimeSpan.FromMinutes(1);
}

internal sealed class RequestLogRules : SettingsRules<RequestLogOptions>
{
    protected override IEnumerable<string> Broken(RequestLogOptions o)
    {
        if (o.ErrorSummaryInterval < TimeSpan.FromSeconds(1))
        {
            yield return "RequestLog__ErrorSummaryInterval must be at least one second.";
        }
    }
}

/// <summary>
/// What the API logs about requests. By default nothing for a success, and errors only as a count by status and reason
/// once per <see cref="RequestLogOptions.ErrorSummaryInterval"/>: a flood of junk tokens or of 429s costs one line a minute,
/// not one per request. <c>RequestLog__EveryRequest=true</c> writes one line per request instead. Neither ever holds the
/// query string (page tokens live there) or a header (the Authorization header holds the token).
/// </summary>
public static partial class RequestLog
{
    public const string Category = "PhotoApi.Requests";

    public const string HostingDiagnostics = "Microsoft.AspNetCore.Hosting.Diagnostics";

    public const string JwtBearerHandlerCategory = "Microsoft.AspNetCore.Authentication.JwtBearer.JwtBearerHandler";

    public static IHostApplicationBuilder AddPhotoApiRequestLog(this IHostApplicationBuilder builder)
    {
        builder.AddSettings<RequestLogOptions, RequestLogRules>(RequestLogOptions.Section);
        builder.Services.AddSingleton<ErrorSummary>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ErrorSummary>());

        // Registered after the configuration's rules, so they win over any "Microsoft.AspNetCore" level: ASP.NET's own
        // "Request starting ... ?query" lines would write the page token.
        builder.Logging.AddFilter(HostingDiagnostics, LogLevel.Warning);
        // A bad token is the client's error: JwtBearer logs each one at Information with its exception (a stack trace per
        // request). The rejection reason is counted in photoapi.auth.token_rejections and in the error summary instead.
        builder.Logging.AddFilter(JwtBearerHandlerCategory, LogLevel.Warning);
        return builder;
    }

    public static WebApplication UsePhotoApiRequestLog(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<RequestLogOptions>>().Value;
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(Category);
        if (options.EveryRequest)
        {
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

        var summary = app.Services.GetRequiredService<ErrorSummary>();
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            finally
            {
                if (context.Response.StatusCode >= StatusCodes.Status400BadRequest)
                {
                    summary.Count(context.Response.StatusCode, await ReasonAsync(context));
                }
            }
        });
        return app;
    }

    // The token's rejection code (expired, unknown_key, ...) from the handler's cached result: a fixed, small set.
    private static async Task<string> ReasonAsync(HttpContext context)
    {
        if (context.Response.StatusCode is not (StatusCodes.Status400BadRequest or StatusCodes.Status401Unauthorized or StatusCodes.Status503ServiceUnavailable)
            || context.Request.Headers.Authorization.Count == 0)
        {
            return "";
        }
        try
        {
            var result = await context.AuthenticateAsync(JwtBearerDefaults.AuthenticationScheme);
            return result.Failure is { } failure ? TokenRejection.From(failure).Code : "";
        }
        catch (OperationCanceledException)
        {
            return ""; // the client went away before its token was checked
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Method} {Path} answered {Status} in {ElapsedMs:0.0} ms")]
    private static partial void Completed(ILogger logger, string method, PathString path, int status, double elapsedMs);
}
