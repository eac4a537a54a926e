using Microsoft.AspNetCore.Authorization;

namespace PhotoApi.Auth;

/// <summary>The token must have been delegated by a user (not a client-credentials token).</summary>
public sealed class UserTokenRequirement : AuthorizationHandler<UserTokenRequirement>, IAuthorizationRequirement
{
    public const string Policy = "user-token";

    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, UserTokenRequirement requirement)
    {
        if (context.User.Identity is AccessTokenIdentity { IsAuthenticated: true, Kind: CallerKind.User, Subject: not null })
        {
            context.Succeed(requirement);
        }
        return Task.CompletedTask;
    }
}
