using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using PhotoApi.Auth;
using PhotoApi.Http;
using PhotoApi.OpenApi;
using PhotoApi.Traffic;
using PhotoApi.Users;

namespace PhotoApi.Photos.Content;

public static class PhotoContentApi
{
    public static IEndpointRouteBuilder MapPhotoContent(this IEndpointRouteBuilder routes)
    {
        // Transfers: their own concurrency budget, a per-user limit, a finite timeout and a minimum data rate (Overload.IsTransfer).
        var content = routes.MapGroup("/v1/photos/{id}/content").WithDescribedTag("Photo content", "The image bytes of a photo: upload, replace, download (ranged and conditional).").RequireUser().IsTransfer();

        content.MapGroup("").RequireScope(Scopes.PhotosRead)
            .MapGet("", GetContent)
            .WithName("GetPhotoContent")
            .WithSummary("Download a photo's image")
            .WithDescription("Streams the image with a strong ETag (its SHA-256). Supports If-None-Match (304) and a single Range (206, or 416).")
            .ProducesBinary(ImageFormat.MediaTypes)
            .WithETag(StatusCodes.Status200OK, StatusCodes.Status206PartialContent, StatusCodes.Status304NotModified);

        content.MapGroup("").RequireScope(Scopes.PhotosWrite)
            .MapPut("", PutContent)
            .WithName("PutPhotoContent")
            .WithSummary("Upload or replace a photo's image")
            .WithDescription("The raw body is the image: image/jpeg, image/png, image/gif or image/webp, and it must really be that type. "
                + "Replacement is atomic: a failed, oversized or aborted upload leaves the previous image in place.")
            .AcceptsBinary(ImageFormat.MediaTypes)
            .WithLocation()
            .WithETag(StatusCodes.Status200OK, StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            // Replacing the image destroys the previous one: destructive, like the DELETEs.
            .RequireRecentSignIn();
        return routes;
    }

    public static async Task<Results<ImageStreamResult, NotFoundProblem>> GetContent(
        string id, HttpContext http, CurrentUser user, IPhotoContentStore store, CancellationToken cancellationToken)
    {
        if (!ObjectId.TryParse(id, out var photoId))
        {
            return Problems.NotFound("photo");
        }
        var (content, photoExists) = await store.OpenAsync(user.Id, photoId, cancellationToken);
        if (content is null)
        {
            return photoExists
                ? Problems.NotFoundBecause("This photo has no content yet: upload it with PUT /v1/photos/{id}/content.")
                : Problems.NotFound("photo");
        }

        // Per-user bytes: a browser may keep them, a shared cache may not.
        http.Response.Headers.CacheControl = "private";
        // The result streams the bytes and disposes the stream (and with it the database connection) when done.
        return new ImageStreamResult(TypedResults.Stream(content.Bytes, content.ContentType,
            entityTag: new EntityTagHeaderValue($"\"{content.Sha256}\""), enableRangeProcessing: true));
    }

    public static async Task<Results<Created<PhotoResponse>, Ok<PhotoResponse>, NotFoundProblem, ProblemHttpResult>> PutContent(
        string id, HttpRequest request, CurrentUser user, IPhotoContentStore store, IOptions<PhotosOptions> options, CancellationToken cancellationToken)
    {
        if (!ObjectId.TryParse(id, out var photoId))
        {
            return Problems.NotFound("photo");
        }
        var format = ImageFormat.FromContentType(request.ContentType);
        if (format is null)
        {
            return Problems.Result(StatusCodes.Status415UnsupportedMediaType, $"Content-Type must be one of {string.Join(", ", ImageFormat.MediaTypes)}.");
        }
        var maxBytes = options.Value.MaxContentBytes;
        if (request.ContentLength > maxBytes)
        {
            return TooLarge(maxBytes);
        }
        // The store counts the bytes and stops at limit + 1 (413). Kestrel's own limit is lifted here: for a chunked body it
        // counts the chunk framing too, so exactly the limit would get 413 in one framing and not in the other.
        request.HttpContext.LimitBodySize(null);

        var result = await store.ReplaceAsync(user.Id, photoId, format, request.Body, maxBytes, cancellationToken);
        switch (result.Status)
        {
            case ContentWriteStatus.PhotoNotFound:
                return Problems.NotFound("photo");
            case ContentWriteStatus.TypeMismatch:
                return Problems.Result(StatusCodes.Status415UnsupportedMediaType, $"The body is not a {format.MediaType} image: its first bytes are not that format's signature.");
            case ContentWriteStatus.TooLarge:
                return TooLarge(maxBytes);
        }

        var photo = result.Photo!;
        request.HttpContext.Response.Headers.ETag = photo.ETag;
        // RFC 9110 §9.3.4: 201 when the PUT created the content, 200 when it replaced it.
        return result.Status == ContentWriteStatus.Created
            ? TypedResults.Created($"/v1/photos/{photo.Id}/content", photo.ToResponse())
            : TypedResults.Ok(photo.ToResponse());
    }

    private static ProblemHttpResult TooLarge(long maxBytes) =>
        Problems.Result(StatusCodes.Status413PayloadTooLarge, $"The image must be at most {maxBytes} bytes.");
}
