using System.ComponentModel;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using PhotoApi.Auth;
using PhotoApi.Http;
using PhotoApi.Users;

namespace PhotoApi.Photos;

public static class PhotosApi
{
    public const int DefaultPageSize = 25;
    public const int MaxPageSize = 100;

    public static IEndpointRouteBuilder MapPhotos(this IEndpointRouteBuilder routes)
    {
        var photos = routes.MapGroup("/v1/photos").WithTags("Photos").RequireUser();

        var read = photos.MapGroup("").RequireScope(Scopes.PhotosRead);
        read.MapGet("", ListPhotos)
            .WithName("ListPhotos")
            .WithSummary("List the caller's photos, newest first")
            .WithDescription("Keyset-paged: pass the previous page's nextPageToken as pageToken. The token is opaque and bound to this user and list.");
        read.MapGet("/{id}", GetPhoto)
            .WithName("GetPhoto")
            .WithSummary("Get one of the caller's photos");

        var write = photos.MapGroup("").RequireScope(Scopes.PhotosWrite);
        write.MapPost("", CreatePhoto)
            .WithName("CreatePhoto")
            .WithSummary("Create a photo")
            .Accepts<CreatePhotoRequest>("application/json")
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        write.MapPatch("/{id}", UpdatePhoto)
            .WithName("UpdatePhoto")
            .WithSummary("Change a photo's title, description or takenAt")
            .WithDescription("Only the fields sent change; null clears description or takenAt (JSON merge patch, RFC 7396).")
            .Accepts<UpdatePhotoRequest>("application/json", "application/merge-patch+json")
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        write.MapDelete("/{id}", DeletePhoto)
            .WithName("DeletePhoto")
            .WithSummary("Delete a photo")
            .RequireRecentSignIn();
        return routes;
    }

    public static async Task<Results<Ok<PhotoPage>, ValidationProblem>> ListPhotos(
        [Description("Photos per page, 1 to 100 (default 25).")] int? pageSize,
        [Description("nextPageToken of the previous page.")] string? pageToken,
        CurrentUser user, PhotoStore store, PageToken pageTokens, CancellationToken cancellationToken)
    {
        var size = pageSize ?? DefaultPageSize;
        if (size is < 1 or > MaxPageSize)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["pageSize"] = [$"pageSize must be between 1 and {MaxPageSize}."] });
        }

        var context = $"photos:{user.Id}";
        PageCursor? after = null;
        if (pageToken is not null)
        {
            if (!pageTokens.TryDecode(pageToken, context, out var cursor))
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["pageToken"] = ["pageToken is not a page token of this list."] });
            }
            after = cursor;
        }

        // One row more than asked tells whether another page exists without a count query.
        var rows = await store.ListAsync(user.Id, after, size + 1, cancellationToken);
        var page = rows.Take(size).Select(r => r.ToResponse()).ToList();
        var next = rows.Count > size ? pageTokens.Encode(context, new PageCursor(page[^1].CreatedAt, page[^1].Id)) : null;
        return TypedResults.Ok(new PhotoPage(page, next));
    }

    public static async Task<Results<Ok<PhotoResponse>, NotFoundProblem>> GetPhoto(
        string id, CurrentUser user, PhotoStore store, CancellationToken cancellationToken)
    {
        var row = ObjectId.TryParse(id, out var photoId) ? await store.GetAsync(user.Id, photoId, cancellationToken) : null;
        return row is null ? Problems.NotFound("photo") : TypedResults.Ok(row.ToResponse());
    }

    public static async Task<Results<Created<PhotoResponse>, ValidationProblem, ProblemHttpResult>> CreatePhoto(
        HttpRequest request, CurrentUser user, PhotoStore store, CancellationToken cancellationToken)
    {
        var (photo, problem, errors) = await PhotoInput.ReadNewAsync(request, cancellationToken);
        if (problem is not null)
        {
            return TypedResults.Problem(problem);
        }
        if (errors is not null)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var row = await store.CreateAsync(user.Id, photo!, cancellationToken);
        return TypedResults.Created($"/v1/photos/{row.Id}", row.ToResponse());
    }

    public static async Task<Results<Ok<PhotoResponse>, NotFoundProblem, ValidationProblem, ProblemHttpResult>> UpdatePhoto(
        string id, HttpRequest request, CurrentUser user, PhotoStore store, CancellationToken cancellationToken)
    {
        if (!ObjectId.TryParse(id, out var photoId))
        {
            return Problems.NotFound("photo");
        }
        var (changes, problem, errors) = await PhotoInput.ReadChangesAsync(request, cancellationToken);
        if (problem is not null)
        {
            return TypedResults.Problem(problem);
        }
        if (errors is not null)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var row = await store.UpdateAsync(user.Id, photoId, changes!, cancellationToken);
        return row is null ? Problems.NotFound("photo") : TypedResults.Ok(row.ToResponse());
    }

    public static async Task<Results<NoContent, NotFoundProblem>> DeletePhoto(
        string id, CurrentUser user, PhotoStore store, CancellationToken cancellationToken)
    {
        var deleted = ObjectId.TryParse(id, out var photoId) && await store.DeleteAsync(user.Id, photoId, cancellationToken);
        return deleted ? TypedResults.NoContent() : Problems.NotFound("photo");
    }

    public static IServiceCollection AddPhotos(this IServiceCollection services) => services.AddSingleton<PhotoStore>();
}
