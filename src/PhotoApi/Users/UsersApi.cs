using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using PhotoApi.Auth;
using PhotoApi.Http;
using PhotoApi.OpenApi;

namespace PhotoApi.Users;

public static class UsersApi
{
    public static IEndpointRouteBuilder MapUsers(this IEndpointRouteBuilder routes)
    {
        // photos.read: the profile reveals how many photos the user has; no PhotoApi scope at all must not buy anything.
        var me = routes.MapGroup("/v1/me").WithDescribedTag("Users", "The signed-in user, created on first call from the token's subject.").RequireUser().RequireScope(Scopes.PhotosRead);
        me.MapGet("", GetMe)
            .WithName("GetMe")
            .WithSummary("The caller's profile")
            .WithDescription("The user the access token was issued for, created on first call from the token's iss and sub. Name and email come from the presented token only (what the user let this client see), never from a token issued to another client.");
        return routes;
    }

    public static async Task<Results<Ok<MeResponse>, NotFoundProblem>> GetMe(CurrentUser user, UserStore users, CancellationToken cancellationToken)
    {
        var row = await users.GetAsync(user.Id, cancellationToken);
        return row is null
            ? Problems.NotFound("user")
            : TypedResults.Ok(new MeResponse(row.Id, user.Token.DisplayName, user.Token.Email, row.PhotoCount, row.CreatedAt));
    }
}
