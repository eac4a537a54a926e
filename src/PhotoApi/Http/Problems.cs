using System.Reflection;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;

namespace PhotoApi.Http;

/// <summary>The problem bodies (RFC 9457) handlers return, so the same situation always reads the same.</summary>
public static class Problems
{
    /// <summary>
    /// 404 for a missing object. Another user's object and a malformed id get exactly this answer too,
    /// so a caller cannot tell "not yours" from "not there" (OWASP API1: broken object level authorization).
    /// </summary>
    public static NotFoundProblem NotFound(string what) => new(new ProblemDetails
    {
        Status = StatusCodes.Status404NotFound,
        Title = "Not Found",
        Detail = $"There is no {what} with this id.",
    });

    /// <summary>412: If-Match named a version that is no longer current (RFC 9110 §13.1.1).</summary>
    public static ProblemHttpResult PreconditionFailed(string what) => TypedResults.Problem(new ProblemDetails
    {
        Status = StatusCodes.Status412PreconditionFailed,
        Title = "Precondition Failed",
        Detail = $"The {what} changed since you read it: If-Match does not match its current ETag. Read it again and retry.",
    });

    /// <summary>400 for an If-Match header that is not a list of entity tags.</summary>
    public static ProblemHttpResult MalformedIfMatch() => TypedResults.Problem(BadRequest("If-Match must be * or a list of entity tags such as \"3\"."));

    public static ProblemDetails BadRequest(string detail) => new()
    {
        Status = StatusCodes.Status400BadRequest,
        Title = "Bad Request",
        Detail = detail,
    };
}

/// <summary>
/// A typed 404 written as <c>application/problem+json</c> (TypedResults.NotFound(problem) would say application/json),
/// declared in the endpoint metadata so the OpenAPI document shows it.
/// </summary>
public sealed class NotFoundProblem(ProblemDetails problem) : IResult, IStatusCodeHttpResult, IValueHttpResult, IValueHttpResult<ProblemDetails>, IEndpointMetadataProvider
{
    public int? StatusCode => StatusCodes.Status404NotFound;

    public ProblemDetails Value => problem;

    object? IValueHttpResult.Value => problem;

    public Task ExecuteAsync(HttpContext httpContext) => ProblemJson.WriteAsync(httpContext, problem);

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status404NotFound, typeof(ProblemDetails), ["application/problem+json"]));
}
