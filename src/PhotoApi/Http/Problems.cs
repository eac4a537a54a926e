using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace PhotoApi.Http;

/// <summary>The problem bodies (RFC 9457) handlers return, so the same situation always reads the same.</summary>
public static class Problems
{
    /// <summary>
    /// 404 for a missing object. Another user's object and a malformed id get exactly this answer too,
    /// so a caller cannot tell "not yours" from "not there" (OWASP API1: broken object level authorization).
    /// </summary>
    public static NotFound<ProblemDetails> NotFound(string what) => TypedResults.NotFound(new ProblemDetails
    {
        Status = StatusCodes.Status404NotFound,
        Title = "Not Found",
        Detail = $"There is no {what} with this id.",
    });

    public static ProblemDetails BadRequest(string detail) => new()
    {
        Status = StatusCodes.Status400BadRequest,
        Title = "Bad Request",
        Detail = detail,
    };
}
