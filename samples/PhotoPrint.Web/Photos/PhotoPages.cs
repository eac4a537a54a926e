using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using PhotoPrint.Web.SignIn;

namespace PhotoPrint.Web.Photos;

/// <summary>The user's photos as thumbnails; each image is fetched by this backend with the user's token and streamed on.</summary>
public static class PhotoPages
{
    private const string ApiClient = "photoapi";

    public static WebApplicationBuilder AddPhotoApiClient(this WebApplicationBuilder builder)
    {
        builder.Services.AddHttpClient(ApiClient)
            .ConfigureHttpClient((services, http) => http.BaseAddress = new Uri(services.GetRequiredService<IOptions<PhotoPrintOptions>>().Value.Api));
        return builder;
    }

    public static IEndpointRouteBuilder MapPhotoPages(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/", Home);
        routes.MapGet("/photos/{id:guid}/thumbnail", Thumbnail).RequireAuthorization();
        return routes;
    }

    public static async Task<ContentHttpResult> Home(
        HttpContext http, UserTokens tokens, IHttpClientFactory clients, IAntiforgery antiforgery, CancellationToken cancellationToken)
    {
        var accessToken = http.User.Identity?.IsAuthenticated == true ? await tokens.AccessTokenAsync(cancellationToken) : null;
        if (accessToken is null)
        {
            var note = http.Request.Query.ContainsKey("signedOut") ? """<p id="signed-out">You are signed out; PhotoPrint's access was revoked.</p>"""
                : http.Request.Query.ContainsKey("signInFailed") ? """<p id="sign-in-failed">Sign-in did not complete: PhotoPrint was not given access.</p>"""
                : "";
            return Page($"""
                {note}
                <p>PhotoPrint prints your photos. It needs to see them first.</p>
                <p><a id="sign-in" class="button" href="/signin">Sign in with the dev issuer</a></p>
                """);
        }

        using var client = clients.CreateClient(ApiClient);
        using var request = new HttpRequestMessage(HttpMethod.Get, "v1/photos?pageSize=50");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        using var response = await client.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            return Page($"""<p id="api-error">PhotoApi answered {(int)response.StatusCode}. Try signing in again.</p>""", StatusCodes.Status502BadGateway);
        }

        var photos = (await response.Content.ReadFromJsonAsync<PhotoPage>(cancellationToken))!.Items;
        var cards = photos.Select(photo => $"""
              <figure class="photo" data-id="{photo.Id}">
                {(photo.SizeBytes is null ? "<div class=\"empty\">no image yet</div>" : $"""<img src="/photos/{photo.Id}/thumbnail" alt="{Encode(photo.Title)}">""")}
                <figcaption>{Encode(photo.Title)}</figcaption>
              </figure>
            """);
        var tokensField = antiforgery.GetAndStoreTokens(http);
        return Page($"""
            <p>Signed in as <strong id="user-name">{Encode(http.User.Identity?.Name)}</strong>.</p>
            <form method="post" action="/signout">
              <input type="hidden" name="{Encode(tokensField.FormFieldName)}" value="{Encode(tokensField.RequestToken)}">
              <button type="submit" id="sign-out">Sign out</button>
            </form>
            <section id="photos">
            {string.Join("\n", cards)}
            </section>
            """);
    }

    /// <summary>Streams the image from PhotoApi without buffering it; another user's photo is the API's 404, passed on.</summary>
    public static async Task<Results<FileStreamHttpResult, NotFound, UnauthorizedHttpResult>> Thumbnail(
        Guid id, HttpContext http, UserTokens tokens, IHttpClientFactory clients, CancellationToken cancellationToken)
    {
        if (await tokens.AccessTokenAsync(cancellationToken) is not { } accessToken)
        {
            return TypedResults.Unauthorized();
        }

        var client = clients.CreateClient(ApiClient);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"v1/photos/{id}/content");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            response.Dispose();
            return TypedResults.NotFound();
        }

        http.Response.RegisterForDispose(response);
        // The browser may keep the image, but only for this user: private.
        http.Response.Headers.CacheControl = "private, max-age=300";
        return TypedResults.Stream(await response.Content.ReadAsStreamAsync(cancellationToken), response.Content.Headers.ContentType?.MediaType ?? "application/octet-stream");
    }

    private static string Encode(string? value) => HtmlEncoder.Default.Encode(value ?? "");

    private static ContentHttpResult Page(string body, int status = StatusCodes.Status200OK) => TypedResults.Content($$"""
        <!doctype html>
        <html lang="en">
        <head>
          <meta charset="utf-8">
          <meta name="viewport" content="width=device-width, initial-scale=1">
          <title>PhotoPrint</title>
          <style>
            body { font-family: system-ui, sans-serif; max-width: 48rem; margin: 2rem auto; padding: 0 1rem; }
            #photos { display: flex; flex-wrap: wrap; gap: 1rem; }
            .photo img, .photo .empty { width: 160px; height: 120px; object-fit: cover; background: #eee; }
            .button { display: inline-block; padding: .5rem 1rem; background: #1a5fb4; color: white; text-decoration: none; border-radius: .3rem; }
          </style>
        </head>
        <body>
        <h1>PhotoPrint</h1>
        {{body}}
        </body>
        </html>
        """, "text/html; charset=utf-8", Encoding.UTF8, status);

    private sealed record PhotoPage(IReadOnlyList<PhotoItem> Items);

    private sealed record PhotoItem(Guid Id, string Title, long? SizeBytes);
}
