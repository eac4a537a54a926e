using Microsoft.AspNetCore.Authorization;

namespace PhotoApi.Auth;

/// <summary>The scopes PhotoApi understands, each one an authorization policy of the same name.</summary>
public static class Scopes
{
    public const string PhotosRead = "photos.read";
    public const string PhotosWrite = "photos.write";
    public const string PhotosAdmin = "photos.admin";

    public static readonly IReadOnlyList<string> All = [PhotosRead, PhotosWrite, PhotosAdmin];

    /// <summary>The name of the policy that requires <paramref name="scope"/>.</summary>
    public static string Policy(string scope) => $"scope:{scope}";
}

/// <summary>Endpoint metadata: the scope an endpoint requires. Every non-anonymous endpoint carries one.</summary>
public sealed record ScopeDeclaration(string Scope);

/// <summary>The token must carry the scope (after the issuer's profile and scope map).</summary>
public sealed class ScopeRequirement(string scope) : AuthorizationHandler<ScopeRequirement>, IAuthorizationRequirement
{
    public string Scope { get; } = scope;

    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ScopeRequirement requirement)
    {
        // A token that proves neither a user nor an app grants nothing, whatever its scopes.
        if (context.User.Identity is AccessTokenIdentity { IsAuthenticated: true, Kind: not CallerKind.Unknown } token && token.Scopes.Contains(requirement.Scope))
        {
            context.Succeed(requirement);
        }
        return Task.CompletedTask;
    }
}

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

public static class ScopeEndpointExtensions
{
    /// <summary>Requires <paramref name="scope"/>: the policy, and the metadata that puts the scope into the OpenAPI document.</summary>
    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, string scope) where TBuilder : IEndpointConventionBuilder
    {
        if (!Scopes.All.Contains(scope))
        {
            throw new ArgumentException($"'{scope}' is not a PhotoApi scope.", nameof(scope));
        }
        return builder.RequireAuthorization(Scopes.Policy(scope)).WithMetadata(new ScopeDeclaration(scope));
    }

    /// <summary>Destructive operations: RFC 9470 step-up when <c>Auth__StepUp__*</c> is configured.</summary>
    public static TBuilder RequireRecentSignIn<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(StepUpRequirement.Policy);
}
