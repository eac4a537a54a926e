using Microsoft.AspNetCore.Diagnostics;
using Npgsql;

namespace PhotoApi.Http;

/// <summary>
/// The last word on exceptions: a client's bad request gets its 4xx, an unreachable or overloaded database a 503 with
/// Retry-After, anything else a 500 that says nothing about the code. Never a stack trace.
/// </summary>
public sealed partial class ServiceExceptionHandler(ILogger<ServiceExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var http = httpContext;
        if (http.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nobody is listening for an answer.
            return true;
        }

        switch (exception)
        {
            case BadHttpRequestException bad:
                // Fixed texts: binding failures' own messages quote the client's input ("Failed to bind parameter ... from ...").
                logger.LogDebug("Bad request: {Status}", bad.StatusCode);
                await Problems.WriteAsync(http, bad.StatusCode, BoundParameter(bad) is { } name ? $"The {name} parameter is malformed." : ClientErrorText(bad.StatusCode));
                break;
            case IOException when !http.Response.HasStarted:
                // Kestrel throws a plain IOException for some broken framing (an overflowing chunk size) while we read a body:
                // RFC 9112 §7.1 makes that the client's error: at Debug, counted in the error summary; it is not our fault.
                logger.LogDebug("Request body could not be read: {Reason}", exception.GetType().Name);
                await Problems.WriteAsync(http, StatusCodes.Status400BadRequest, ClientErrorText(StatusCodes.Status400BadRequest));
                break;
            // PgBouncer states its own failures (PostgreSQL down: "server login has been failing", query_wait_timeout) as a
            // FATAL 08P01 and closes the connection: the database is unavailable, as with a refused connection.
            case NpgsqlException { IsTransient: true } or TimeoutException
                or PostgresException { SqlState: PostgresErrorCodes.ProtocolViolation, Severity: "FATAL" }:
                logger.LogWarning("Database unavailable: {Reason}", exception.Message);
                await Problems.RetryLaterAsync(http, StatusCodes.Status503ServiceUnavailable, TimeSpan.FromSeconds(5),
                    "The photo database is unavailable or overloaded; try again shortly.");
                break;
            default:
                logger.LogError(exception, "Unhandled exception");
                await Problems.WriteAsync(http, StatusCodes.Status500InternalServerError, "An unexpected error occurred.");
                break;
        }
        return true;
    }

    // 'Failed to bind parameter "int? pageSize" from "<input>"': the first quotes hold our own declaration, never the input.
    [System.Text.RegularExpressions.GeneratedRegex("""^(?:Failed to bind|Required) parameter "(?:[^"]* )?(?<name>[A-Za-z_][A-Za-z0-9_]*)"[ .]""")]
    private static partial System.Text.RegularExpressions.Regex BindingFailure();

    private static string? BoundParameter(BadHttpRequestException exception) =>
        exception.StatusCode == StatusCodes.Status400BadRequest && BindingFailure().Match(exception.Message) is { Success: true } match ? match.Groups["name"].Value : null;

    private static string? ClientErrorText(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "The request is malformed: a route or query parameter, a header or the body could not be read.",
        StatusCodes.Status408RequestTimeout => "The request body arrived too slowly.",
        StatusCodes.Status413PayloadTooLarge => "The request body is too large.",
        _ => null,
    };
}
