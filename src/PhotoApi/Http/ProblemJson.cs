using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace PhotoApi.Http;

/// <summary>
/// Writes every problem as <c>application/problem+json</c>, whatever the request's Accept header says: ASP.NET's default
/// writer stays silent when Accept excludes JSON (an image download, say), which would leave errors without a body.
/// </summary>
public sealed class ProblemJson(IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, IOptions<ProblemDetailsOptions> options) : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context) => true;

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var http = context.HttpContext;
        var problem = context.ProblemDetails;
        problem.Status ??= http.Response.StatusCode;
        problem.Title ??= ReasonPhrases.GetReasonPhrase(problem.Status.Value);
        problem.Type ??= TypeFor(problem.Status.Value);
        options.Value.CustomizeProblemDetails?.Invoke(context);
        // Not RequestAborted: when a request timeout fires, that token is already cancelled and the answer must still be written.
        return new ValueTask(http.Response.WriteAsJsonAsync(problem, json.Value.SerializerOptions.GetTypeInfo(problem.GetType()), "application/problem+json", CancellationToken.None));
    }

    /// <summary>The RFC section that defines a status code, as the problem <c>type</c> (RFC 9457 §4.2).</summary>
    public static string TypeFor(int status) => status == StatusCodes.Status429TooManyRequests
        ? "https://www.rfc-editor.org/rfc/rfc6585#section-4"
        : $"https://www.rfc-editor.org/rfc/rfc9110#status.{status}";
}
