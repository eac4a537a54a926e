using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using PhotoApi.Auth;
using PhotoApi.Configuration;
using PhotoApi.Http;
using PhotoApi.OpenApi;
using PhotoApi.Users;

namespace PhotoApi.Photos;

public static class PhotosApi
{
    public static IEndpointRouteBuilder MapPhotos(this IEndpointRouteBuilder routes)
    {
        var photos = routes.MapGroup("/v1/photos").WithDescribedTag("Photos", "The caller's photos: title, description, when taken, and what was uploaded.").RequireUser();

        var read = photos.MapGroup("").RequireScope(Scopes.PhotosRead);
        read.MapGet("", ListPhotos)
            .WithName("ListPhotos")
            .WithSummary("List the caller's photos, newest first")
            .WithDescription("Keyset-paged: pass the previous page's nextPageToken as pageToken. The token is opaque and bound to this user and list.");
        read.MapGet("/{id}", GetPhoto)
            .WithName("GetPhoto")
            .WithSummary("Get one of the caller's photos")
            .WithDescription("The ETag header is the photo's version; send it back in If-Match to change or delete the photo only if nobody else did meanwhile.")
            .WithETag(StatusCodes.Status200OK);

        var write = photos.MapGroup("").RequireScope(Scopes.PhotosWrite);
        write.MapPost("", CreatePhoto)
            .WithName("CreatePhoto")
            .WithSummary("Create a photo")
            .Accepts<CreatePhotoRequest>("application/json")
            .WithLocation()
            .WithETag(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        write.MapPatch("/{id}", UpdatePhoto)
            .WithName("UpdatePhoto")
            .WithSummary("Change a photo's title, description or takenAt")
            .WithDescription("Only the fields sent change; null clears description or takenAt (JSON merge patch, RFC 7396).")
            .Accepts<UpdatePhotoRequest>("application/json", "application/merge-patch+json")
            .WithIfMatch()
            .WithETag(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        write.MapDelete("/{id}", DeletePhoto)
            .WithName("DeletePhoto")
            .WithSummary("Delete a photo, its content and its album memberships")
            .WithIfMatch()
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .RequireRecentSignIn();
        return routes;
    }

    public static async Task<Results<Ok<Page<PhotoResponse>>, ValidationProblem>> ListPhotos(
        [Description(Paging.PageSizeDescription), Range(1, Paging.MaxPageSize), DefaultValue(Paging.DefaultPageSize)] int? pageSize,
        [Description(Paging.PageTokenDescription)] string? pageToken,
        CurrentUser user, PhotoStore store, PageToken pageTokens, CancellationToken cancellationToken)
    {
        var (page, invalid) = await Paging.ReadAsync(pageSize, pageToken, $"photos:{user.Id}", pageTokens,
            async (after, limit) => await store.ListAsync(user.Id, after, limit, cancellationToken),
            row => new PageCursor(row.CreatedAt, row.Id), row => row.ToResponse());
        return invalid is null ? TypedResults.Ok(page!) : invalid;
    }

    public static async Task<Results<Ok<PhotoResponse>, NotFoundProblem>> GetPhoto(
        string id, HttpResponse response, CurrentUser user, PhotoStore store, CancellationToken cancellationToken)
    {
        var row = ObjectId.TryParse(id, out var photoId) ? await store.GetAsync(user.Id, photoId, cancellationToken) : null;
        if (row is null)
        {
            return Problems.NotFound("photo");
        }
        response.Headers.ETag = row.ETag;
        return TypedResults.Ok(row.ToResponse());
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
        request.HttpContext.Response.Headers.ETag = row.ETag;
        return TypedResults.Created($"/v1/photos/{row.Id}", row.ToResponse());
    }

    public static async Task<Results<Ok<PhotoResponse>, NotFoundProblem, ValidationProblem, ProblemHttpResult>> UpdatePhoto(
        string id, HttpRequest request, CurrentUser user, PhotoStore store, CancellationToken cancellationToken)
    {
        if (!ObjectId.TryParse(id, out var photoId))
        {
            return Problems.NotFound("photo");
        }
        if (EntityTags.ParseIfMatch(request.Headers.IfMatch) is not { } ifMatch)
        {
            return Problems.MalformedIfMatch();
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
        var row = await store.UpdateAsync(user.Id, photoId, changes!, ifMatch, cancellationToken);
        if (row is null)
        {
            return await store.ExistsAsync(user.Id, photoId, cancellationToken) ? Problems.PreconditionFailed("photo") : Problems.NotFound("photo");
        }
        request.HttpContext.Response.Headers.ETag = row.ETag;
        return TypedResults.Ok(row.ToResponse());
    }

    public static async Task<Results<NoContent, NotFoundProblem, ProblemHttpResult>> DeletePhoto(
        string id, HttpRequest request, CurrentUser user, PhotoStore store, CancellationToken cancellationToken)
    {
        if (!ObjectId.TryParse(id, out var photoId))
        {
            return Problems.NotFound("photo");
        }
        if (EntityTags.ParseIfMatch(request.Headers.IfMatch) is not { } ifMatch)
        {
            return Problems.MalformedIfMatch();
        }
        if (await store.DeleteAsync(user.Id, photoId, ifMatch, cancellationToken))
        {
            return TypedResults.NoContent();
        }
        return !ifMatch.Any && await store.ExistsAsync(user.Id, photoId, cancellationToken) ? Problems.PreconditionFailed("photo") : Problems.NotFound("photo");
    }

    public static IHostApplicationBuilder AddPhotos(this IHostApplicationBuilder builder)
    {
        builder.AddSettings<PhotosOptions, PhotosRules>(PhotosOptions.Section);
        builder.Services.AddSingleton<PhotoStore>().AddJsonTypes(PhotosJsonContext.Default);
        builder.Services.AddSingleton<Content.IPhotoContentStore, Content.PostgresPhotoContentStore>();
        return builder;
    }
}
