using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using PhotoApi.Http;

namespace PhotoApi.Photos.Content;

/// <summary>
/// Streams an image with ASP.NET's own Range / If-None-Match / If-Range handling (<see cref="FileStreamHttpResult"/>),
/// and gives its bodiless 416 the problem body every error here has.
/// </summary>
public sealed class ImageStreamResult(FileStreamHttpResult inner) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        try
        {
            await inner.ExecuteAsync(httpContext);
        }
        catch (ContentChangedException)
        {
            if (httpContext.Response.HasStarted)
            {
                // Replaced mid-download: cut the response short (its Content-Length tells the client) rather than mix versions.
                httpContext.Abort();
                return;
            }
            // Replaced between reading its metadata and its first byte: nothing was sent, so say so and let the client retry.
            httpContext.Response.Clear();
            await Problems.RetryLaterAsync(httpContext, StatusCodes.Status503ServiceUnavailable, TimeSpan.FromSeconds(1), "The image changed while it was being read; try again.");
            return;
        }
        var response = httpContext.Response;
        if (response.StatusCode == StatusCodes.Status416RangeNotSatisfiable && !response.HasStarted)
        {
            response.ContentType = null;
            response.ContentLength = null;
            await Problems.WriteAsync(httpContext, StatusCodes.Status416RangeNotSatisfiable, "The requested range lies outside the image; Content-Range gives its size.");
        }
    }
}
