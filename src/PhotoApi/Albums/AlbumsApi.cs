using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using PhotoApi.Auth;
using PhotoApi.Http;
using PhotoApi.OpenApi;
using PhotoApi.Photos;
using PhotoApi.Users;

namespace PhotoApi.Albums;

public static class AlbumsApi
{
    public static IEndpointRouteBuilder MapAlbums(this IEndpointRouteBuilder routes)
    {
        var albums = routes.MapGroup("/v1/albums").WithDescribedTag("Albums", "Named, ordered collections of the caller's photos.").RequireUser();

        var read = albums.MapGroup("").RequireScope(Scopes.PhotosRead);
        read.MapGet("", ListAlbums).WithName("ListAlbums").WithSummary("List the caller's albums, newest first");
        read.MapGet("/{id}", GetAlbum).WithName("GetAlbum").WithSummary("Get an album with its photo count and cover photo");
        read.MapGet("/{id}/photos", ListAlbumPhotos).WithName("ListAlbumPhotos").WithSummary("List an album's photos in the order they were added");

        var write = albums.MapGroup("").RequireScope(Scopes.PhotosWrite);
        write.MapPost("", CreateAlbum)
            .WithName("CreateAlbum")
            .WithSummary("Create an album")
            .Accepts<CreateAlbumRequest>("application/json")
            .WithLocation()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        write.MapPatch("/{id}", UpdateAlbum)
            .WithName("UpdateAlbum")
            .WithSummary("Change an album's title or description")
            .Accepts<UpdateAlbumRequest>("application/json", "application/merge-patch+json")
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        write.MapDelete("/{id}", DeleteAlbum)
            .WithName("DeleteAlbum")
            .WithSummary("Delete an album (its photos stay)")
            .RequireRecentSignIn();
        write.MapPut("/{id}/photos/{photoId}", AddPhoto)
            .WithName("AddPhotoToAlbum")
            .WithSummary("Add one of the caller's photos to an album (idempotent)");
        write.MapDelete("/{id}/photos/{photoId}", RemovePhoto)
            .WithName("RemovePhotoFromAlbum")
            .WithSummary("Remove a photo from an album (the photo stays)");
        return routes;
    }

    public static async Task<Results<Ok<Page<AlbumResponse>>, ValidationProblem>> ListAlbums(
        [Description(Paging.PageSizeDescription), Range(1, Paging.MaxPageSize), DefaultValue(Paging.DefaultPageSize)] int? pageSize,
        [Description(Paging.PageTokenDescription)] string? pageToken,
        CurrentUser user, AlbumStore store, PageToken pageTokens, CancellationToken cancellationToken)
    {
        var (page, invalid) = await Paging.ReadAsync(pageSize, pageToken, $"albums:{user.Id}", pageTokens,
            async (after, limit) => await store.ListAsync(user.Id, after, limit, cancellationToken),
            row => new PageCursor(row.CreatedAt, row.Id), row => row.ToResponse());
        return invalid is null ? TypedResults.Ok(page!) : invalid;
    }

    public static async Task<Results<Ok<AlbumResponse>, NotFoundProblem>> GetAlbum(
        string id, CurrentUser user, AlbumStore store, CancellationToken cancellationToken)
    {
        var row = ObjectId.TryParse(id, out var albumId) ? await store.GetAsync(user.Id, albumId, cancellationToken) : null;
        return row is null ? Problems.NotFound("album") : TypedResults.Ok(row.ToResponse());
    }

    public static async Task<Results<Ok<Page<PhotoResponse>>, NotFoundProblem, ValidationProblem>> ListAlbumPhotos(
        string id,
        [Description(Paging.PageSizeDescription), Range(1, Paging.MaxPageSize), DefaultValue(Paging.DefaultPageSize)] int? pageSize,
        [Description(Paging.PageTokenDescription)] string? pageToken,
        CurrentUser user, AlbumStore store, PageToken pageTokens, CancellationToken cancellationToken)
    {
        if (!ObjectId.TryParse(id, out var albumId))
        {
            return Problems.NotFound("album");
        }
        var (page, invalid) = await Paging.ReadAsync(pageSize, pageToken, $"album:{albumId}:{user.Id}", pageTokens,
            (after, limit) => store.ListPhotosAsync(user.Id, albumId, after, limit, cancellationToken),
            row => new PageCursor(row.AddedAt, row.Photo.Id), row => row.Photo.ToResponse());
        if (invalid is not null)
        {
            return invalid;
        }
        return page is null ? Problems.NotFound("album") : TypedResults.Ok(page);
    }

    public static async Task<Results<Created<AlbumResponse>, ValidationProblem, ProblemHttpResult>> CreateAlbum(
        HttpRequest request, CurrentUser user, AlbumStore store, CancellationToken cancellationToken)
    {
        var (fields, problem) = await JsonFields.ReadAsync(request, cancellationToken);
        if (fields is null)
        {
            return TypedResults.Problem(problem!);
        }
        var title = fields.Text("title", 1, AlbumInput.MaxTitle, required: true, nullable: false);
        var description = fields.Text("description", 0, AlbumInput.MaxDescription);
        if (fields.Errors() is { } errors)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var row = await store.CreateAsync(user.Id, new NewAlbum(title.Value!, description.Value), cancellationToken);
        return TypedResults.Created($"/v1/albums/{row.Id}", row.ToResponse());
    }

    public static async Task<Results<Ok<AlbumResponse>, NotFoundProblem, ValidationProblem, ProblemHttpResult>> UpdateAlbum(
        string id, HttpRequest request, CurrentUser user, AlbumStore store, CancellationToken cancellationToken)
    {
        if (!ObjectId.TryParse(id, out var albumId))
        {
            return Problems.NotFound("album");
        }
        var (fields, problem) = await JsonFields.ReadAsync(request, cancellationToken);
        if (fields is null)
        {
            return TypedResults.Problem(problem!);
        }
        var title = fields.Text("title", 1, AlbumInput.MaxTitle, nullable: false);
        var description = fields.Text("description", 0, AlbumInput.MaxDescription);
        if (fields.Errors() is { } errors)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var row = await store.UpdateAsync(user.Id, albumId, new AlbumChanges(title, description), cancellationToken);
        return row is null ? Problems.NotFound("album") : TypedResults.Ok(row.ToResponse());
    }

    public static async Task<Results<NoContent, NotFoundProblem>> DeleteAlbum(
        string id, CurrentUser user, AlbumStore store, CancellationToken cancellationToken)
    {
        var deleted = ObjectId.TryParse(id, out var albumId) && await store.DeleteAsync(user.Id, albumId, cancellationToken);
        return deleted ? TypedResults.NoContent() : Problems.NotFound("album");
    }

    public static async Task<Results<NoContent, NotFoundProblem>> AddPhoto(
        string id, string photoId, CurrentUser user, AlbumStore store, CancellationToken cancellationToken)
    {
        // Another user's album or photo is simply not found: the join in AddPhotoAsync only sees the caller's own.
        var added = ObjectId.TryParse(id, out var albumId) && ObjectId.TryParse(photoId, out var photo)
            && await store.AddPhotoAsync(user.Id, albumId, photo, cancellationToken);
        return added ? TypedResults.NoContent() : Problems.NotFound("album or photo");
    }

    public static async Task<Results<NoContent, NotFoundProblem>> RemovePhoto(
        string id, string photoId, CurrentUser user, AlbumStore store, CancellationToken cancellationToken)
    {
        var removed = ObjectId.TryParse(id, out var albumId) && ObjectId.TryParse(photoId, out var photo)
            && await store.RemovePhotoAsync(user.Id, albumId, photo, cancellationToken);
        return removed ? TypedResults.NoContent() : Problems.NotFound("photo in this album");
    }

    public static IServiceCollection AddAlbums(this IServiceCollection services) => services.AddSingleton<AlbumStore>().AddJsonTypes(AlbumsJsonContext.Default);
}
