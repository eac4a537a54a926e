using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace PhotoApi.Http;

/// <summary>
/// The last word on exceptions: a client's bad request gets its 4xx, an unreachable or overloaded database a 503 with
/// Retry-After, anything else a 500 that says nothing about the code. Never a stack trace.
/// </summary>
public sealed class ServiceExceptionHandler(ILogger<ServiceExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var http = httpContext;
        if (http.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nobody is listening for an answer.
            return true;
        }

        ProblemDetails problem;
        switch (exception)
        {
            case BadHttpRequestException bad:
                problem = new ProblemDetails { Status = bad.StatusCode, Detail = bad.StatusCode == StatusCodes.Status400BadRequest ? bad.Message : null };
                break;
            case NpgsqlException { IsTransient: true } or TimeoutException:
                logger.LogWarning("Database unavailable: {Reason}", exception.Message);
                http.Response.Headers.RetryAfter = "5";
                problem = new ProblemDetails
                {
                    Status = StatusCodes.Status503ServiceUnavailable,
                    Detail = "The photo database is unavailable or overloaded; try again shortly.",
                };
                break;
            default:
                logger.LogError(exception, "Unhandled exception");
                problem = new ProblemDetails { Status = StatusCodes.Status500InternalServerError, Detail = "An unexpected error occurred." };
                break;
        }

        await ProblemJson.WriteAsync(http, problem);
        return true;
    }
}
