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
