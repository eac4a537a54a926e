using Microsoft.AspNetCore.Authorization;

namespace PhotoApi.Auth;

/// <summary>RFC 9470 step-up: the user signed in recently enough (<c>auth_time</c>) and strongly enough (<c>acr</c>).</summary>
public sealed class StepUpRequirement(StepUpOptions options, TimeProvider time) : AuthorizationHandler<StepUpRequirement>, IAuthorizationRequirement
{
    public const string Policy = "step-up";
    public const string TooOld = "A more recent sign-in is required for this operation.";
    public const string TooWeak = "A stronger sign-in is required for this operation.";
    public const string TooOldAndTooWeak = "A more recent and stronger sign-in is required for this operation.";

    public StepUpOptions Options { get; } = options;

    /// <summary>Why the token falls short of the step-up rule, or null when it meets it.</summary>
    public string? Shortfall(AccessTokenIdentity token)
    {
        var recentEnough = Options.MaxAge is not { } maxAge
            || (token.AuthTime is { } authTime && time.GetUtcNow() - authTime <= maxAge);
        var strongEnough = Options.AcrValues.Length == 0
            || (token.Acr is { } acr && Options.AcrValues.Contains(acr, StringComparer.Ordinal));
        return (recentEnough, strongEnough) switch
        {
            (true, true) => null,
            (true, false) => TooWeak,
            (false, true) => TooOld,
            _ => TooOldAndTooWeak,
        };
    }

    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, StepUpRequirement requirement)
    {
        // No context.Fail(): an explicit failure would hide which other requirements (scopes) failed.
        if (context.User.Identity is AccessTokenIdentity { IsAuthenticated: true } token && Shortfall(token) is null)
        {
            context.Succeed(requirement);
        }
        return Task.CompletedTask;
    }
}
