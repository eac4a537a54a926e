using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using PhotoApi.Auth;
using PhotoApi.Http;

namespace PhotoApi.Users;

public static class UsersApi
{
    public static IEndpointRouteBuilder MapUsers(this IEndpointRouteBuilder routes)
    {
        var me = routes.MapGroup("/v1/me").WithTags("Users").RequireUser().RequireAnyScope();
        me.MapGet("", GetMe)
            .WithName("GetMe")
            .WithSummary("The caller's profile")
            .WithDescription("The user the access token was issued for, created on first call from the token's iss and sub (name and email refresh from the token).");
        return routes;
    }

    public static async Task<Results<Ok<MeResponse>, NotFoundProblem>> GetMe(CurrentUser user, UserStore users, CancellationToken cancellationToken)
    {
        var row = await users.GetAsync(user.Id, cancellationToken);
        return row is null
            ? Problems.NotFound("user")
            : TypedResults.Ok(new MeResponse(row.Id, row.DisplayName, row.Email, row.PhotoCount, row.CreatedAt));
    }
}
