using System.Collections.Concurrent;
using PhotoApi.Auth;
using PhotoApi.Http;

namespace PhotoApi.Users;

/// <summary>The user the request acts for, resolved from the token by <see cref="UserProvisioning"/> before the handler runs.</summary>
public sealed class CurrentUser
{
    private Guid? _id;
    private AccessTokenIdentity? _token;

    /// <summary>The user's id; every query of user data is scoped by it.</summary>
    public Guid Id => _id ?? throw new InvalidOperationException("CurrentUser is only available on endpoints that call RequireUser().");

    /// <summary>The presented token: what this client was allowed to learn about the user (name, email) is in it, and only there.</summary>
    public AccessTokenIdentity Token => _token ?? throw new InvalidOperationException("CurrentUser is only available on endpoints that call RequireUser().");

    public void Set(Guid id, AccessTokenIdentity? token = null)
    {
        _id = id;
        _token = token;
    }
}

/// <summary>
/// Maps (issuer, subject) to a user id, creating the user just in time. Ids are remembered per process, so after the first
/// request a user costs no database round trip until the token's name or email changes. Bounded: at most
/// <see cref="MaxRemembered"/> users, each remembered only when its subject, name and email are at most
/// <see cref="MaxRememberedLength"/> characters (an entry is then under 1 KB: under 50 MB when full, whatever tokens carry).
/// </summary>
public sealed class UserDirectory(UserStore users)
{
    public const int MaxRemembered = 50_000;
    public const int MaxRememberedLength = 128;
    private readonly ConcurrentDictionary<(string Issuer, string Subject), Remembered> _known = new();

    private sealed record Remembered(Guid Id, string? DisplayName, string? Email);

    public async ValueTask<Guid> ResolveAsync(AccessTokenIdentity token, CancellationToken cancellationToken)
    {
        var key = (token.IssuerIdentifier, token.Subject!);
        if (_known.TryGetValue(key, out var known)
            && (token.DisplayName is null || token.DisplayName == known.DisplayName)
            && (token.Email is null || token.Email == known.Email))
        {
            return known.Id;
        }

        var id = await users.UpsertAsync(token.IssuerIdentifier, token.Subject!, token.DisplayName, token.Email, cancellationToken);
        if (token.Subject!.Length > MaxRememberedLength || token.DisplayName?.Length > MaxRememberedLength || token.Email?.Length > MaxRememberedLength)
        {
            // Unusually long values are written each time instead of held: the bound stays in bytes, not only in entries.
            _known.TryRemove(key, out _);
            return id;
        }
        if (_known.Count >= MaxRemembered)
        {
            _known.Clear();
        }
        _known[key] = new Remembered(id, token.DisplayName ?? known?.DisplayName, token.Email ?? known?.Email);
        return id;
    }

    /// <summary>How many users are remembered now.</summary>
    internal int Count => _known.Count;
}

/// <summary>Endpoint filter of every user group: provisions the token's user and fills <see cref="CurrentUser"/>.</summary>
public sealed class UserProvisioning(UserDirectory directory, CurrentUser currentUser) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        // RequireUser() puts the user-token policy on the group, so this identity is a validated user token.
        var token = (AccessTokenIdentity)context.HttpContext.User.Identity!;
        currentUser.Set(await directory.ResolveAsync(token, context.HttpContext.RequestAborted), token);
        return await next(context);
    }
}

public static class CurrentUserExtensions
{
    /// <summary>The group acts on one user's data: it needs a user-delegated token, and the user is provisioned before each handler.</summary>
    public static RouteGroupBuilder RequireUser(this RouteGroupBuilder group)
    {
        group.RequireAuthorization(UserTokenRequirement.Policy).AddEndpointFilter<UserProvisioning>();
        return group;
    }

    public static IServiceCollection AddUsers(this IServiceCollection services) =>
        services.AddSingleton<UserStore>().AddSingleton<UserDirectory>().AddScoped<CurrentUser>().AddJsonTypes(UsersJsonContext.Default);
}
