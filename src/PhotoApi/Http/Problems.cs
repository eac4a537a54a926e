using System.Globalization;
using System.Reflection;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;

namespace PhotoApi.Http;

/// <summary>
/// Every problem body (RFC 9457) PhotoApi builds itself is built here (ASP.NET's validation problems are its own): the typed
/// results handlers return, <see cref="Details"/> for code that hands a problem on, and <see cref="WriteAsync"/> /
/// <see cref="RetryLaterAsync"/> for middleware that answers before or instead of an endpoint. Title and type follow the status.
/// </summary>
public static class Problems
{
    /// <summary>Sets the status and writes <c>application/problem+json</c> through the app's <see cref="IProblemDetailsService"/>.</summary>
    public static Task WriteAsync(HttpContext http, int status, string? detail) => WriteAsync(http, Details(status, detail));

    /// <summary>
    /// 429 or 503 with <c>Retry-After</c> in delay-seconds (RFC 9110 §10.2.3), rounded up and at least 1: the caller did nothing
    /// wrong that a retry would repeat, it only has to wait.
    /// </summary>
    public static Task RetryLaterAsync(HttpContext http, int status, TimeSpan retryAfter, string detail)
    {
        http.Response.Headers.RetryAfter = Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return WriteAsync(http, status, detail);
    }

    internal static async Task WriteAsync(HttpContext http, ProblemDetails problem)
    {
        http.Response.StatusCode = problem.Status ?? StatusCodes.Status500InternalServerError;
        await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = problem,
        });
    }

    /// <summary>
    /// 404 for a missing object. Another user's object and a malformed id get exactly this answer too,
    /// so a caller cannot tell "not yours" from "not there" (OWASP API1: broken object level authorization).
    /// </summary>
    public static NotFoundProblem NotFound(string what) => NotFoundBecause($"There is no {what} with this id.");

    /// <summary>404 that says why, for an object that exists but lacks what was asked of it.</summary>
    public static NotFoundProblem NotFoundBecause(string detail) => new(Details(StatusCodes.Status404NotFound, detail));

    /// <summary>A handler's problem result with this status and detail.</summary>
    public static ProblemHttpResult Result(int status, string detail) => TypedResults.Problem(Details(status, detail));

    /// <summary>The body itself, for code that hands a problem to its caller (the JSON body reader); title and type are filled in when written.</summary>
    public static ProblemDetails Details(int status, string? detail) => new() { Status = status, Detail = detail };

    /// <summary>412: If-Match named a version that is no longer current (RFC 9110 §13.1.1).</summary>
    public static ProblemHttpResult PreconditionFailed(string what) =>
        Result(StatusCodes.Status412PreconditionFailed, $"The {what} changed since you read it: If-Match does not match its current ETag. Read it again and retry.");

    /// <summary>400 for an If-Match header that is not a list of entity tags.</summary>
    public static ProblemHttpResult MalformedIfMatch() => TypedResults.Problem(BadRequest("If-Match must be * or a list of entity tags such as \"3\"."));

    public static ProblemDetails BadRequest(string detail) => Details(StatusCodes.Status400BadRequest, detail);
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

    public Task ExecuteAsync(HttpContext httpContext) => Problems.WriteAsync(httpContext, problem);

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status404NotFound, typeof(ProblemDetails), ["application/problem+json"]));
}
