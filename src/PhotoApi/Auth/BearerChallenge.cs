using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Primitives;
using PhotoApi.Http;

namespace PhotoApi.Auth;

/// <summary>
/// RFC 6750 §3 responses, exactly: 401 with <c>WWW-Authenticate: Bearer</c> (no <c>error</c> when no token was sent,
/// <c>error="invalid_token"</c> when it was bad), 403 with <c>error="insufficient_scope", scope="..."</c>, RFC 9470's
/// <c>insufficient_user_authentication</c>, and RFC 9728's <c>resource_metadata</c> on every challenge. Each with a problem body.
/// With DPoP on, a <c>DPoP algs="..."</c> challenge (RFC 9449 §7.1) stands beside the Bearer one, and the error goes in the scheme the request used.
/// </summary>
public static class BearerChallenge
{
    internal static async Task WriteChallengeAsync(JwtBearerChallengeContext context)
    {
        context.HandleResponse();
        var http = context.HttpContext;
        if (context.AuthenticateFailure is null)
        {
            // RFC 6750 §3.1: no error code when the request carried no authentication information.
            http.Response.Headers.WWWAuthenticate = Challenges(http);
            await Problems.WriteAsync(http, StatusCodes.Status401Unauthorized,
                "This endpoint needs an access token: send it as 'Authorization: Bearer <token>', or a DPoP-bound one as 'Authorization: DPoP <token>' with a DPoP proof.");
            return;
        }

        var rejection = TokenRejection.From(context.AuthenticateFailure);
        if (rejection.Status == StatusCodes.Status503ServiceUnavailable)
        {
            await Problems.RetryLaterAsync(http, rejection.Status, TimeSpan.FromSeconds(5), rejection.Description);
            return;
        }

        http.Response.Headers.WWWAuthenticate = Challenges(http, ("error", rejection.Error), ("error_description", rejection.Description));
        if (rejection == TokenRejection.DpopBadNonce)
        {
            // RFC 9449 §9: the nonce to put in the next proof.
            http.Response.Headers["DPoP-Nonce"] = http.RequestServices.GetRequiredService<SenderConstraint>().IssueNonce();
        }
        await Problems.WriteAsync(http, rejection.Status, rejection.Description);
    }

    /// <summary>403 <c>insufficient_scope</c> (RFC 6750 §3.1) naming every scope the endpoint needs.</summary>
    internal static Task WriteInsufficientScopeAsync(HttpContext http, IEnumerable<string> scopes)
    {
        var scope = string.Join(' ', scopes);
        var description = $"The access token lacks the required scope: {scope}.";
        http.Response.Headers.WWWAuthenticate = Challenges(http, ("error", "insufficient_scope"), ("error_description", description), ("scope", scope));
        return Problems.WriteAsync(http, StatusCodes.Status403Forbidden, description);
    }

    /// <summary>RFC 9470 §3: 401 <c>insufficient_user_authentication</c> with the <c>max_age</c> and/or <c>acr_values</c> to ask for.</summary>
    internal static Task WriteInsufficientUserAuthenticationAsync(HttpContext http, StepUpOptions stepUp, string description)
    {
        var parameters = new List<(string, string)> { ("error", "insufficient_user_authentication"), ("error_description", description) };
        if (stepUp.MaxAge is { } maxAge)
        {
            parameters.Add(("max_age", ((long)maxAge.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
        if (stepUp.AcrValues.Length > 0)
        {
            parameters.Add(("acr_values", string.Join(' ', stepUp.AcrValues)));
        }
        http.Response.Headers.WWWAuthenticate = Challenges(http, [.. parameters]);
        return Problems.WriteAsync(http, StatusCodes.Status401Unauthorized, description);
    }

    internal static Task WriteUserTokenRequiredAsync(HttpContext http) =>
        Problems.WriteAsync(http, StatusCodes.Status403Forbidden,
            "This endpoint acts on a user's data and needs a user-delegated access token; this token was issued to an application with no user (client credentials).");

    internal static Task WriteUnknownCallerAsync(HttpContext http) =>
        Problems.WriteAsync(http, StatusCodes.Status403Forbidden,
            "The access token shows neither a user who delegated it nor an application acting on its own, by the rules of its issuer's profile; it is not accepted.");

    /// <summary>
    /// One challenge per scheme (RFC 9110 §11.6.1): Bearer, and DPoP with its <c>algs</c> (RFC 9449 §7.1) when DPoP is on. The error
    /// goes in the scheme the request used; the other scheme's challenge only says it is available. RFC 9728's <c>resource_metadata</c> on both.
    /// </summary>
    private static StringValues Challenges(HttpContext http, params (string Name, string Value)[] error)
    {
        var senderConstraint = http.RequestServices.GetRequiredService<SenderConstraint>();
        var metadata = ("resource_metadata", ProtectedResourceMetadata.MetadataUrl(http.Request));
        if (!senderConstraint.DpopEnabled)
        {
            return Header("Bearer", [.. error, metadata]);
        }
        var dpopUsed = senderConstraint.UsesDpopScheme(http.Request);
        var algs = ("algs", senderConstraint.DpopChallengeAlgs);
        return new StringValues([
            Header("Bearer", dpopUsed ? [metadata] : [.. error, metadata]),
            Header("DPoP", dpopUsed ? [.. error, algs, metadata] : [algs, metadata]),
        ]);
    }

    private static string Header(string scheme, (string Name, string Value)[] parameters)
    {
        var header = new StringBuilder(scheme);
        for (var i = 0; i < parameters.Length; i++)
        {
            // Our values never contain quotes or backslashes (RFC 6750 §3 restricts error_description to such characters).
            header.Append(i == 0 ? " " : ", ").Append(parameters[i].Name).Append("=\"").Append(parameters[i].Value).Append('"');
        }
        return header.ToString();
    }
}

/// <summary>Turns authorization failures into the responses above instead of ASP.NET's bare 403.</summary>
public sealed class BearerAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Forbidden && authorizeResult.AuthorizationFailure is { } failure)
        {
            var failed = failure.FailedRequirements.ToList();
            // Neither a user nor an app by the profile's own evidence: refused everywhere, never taken for a user.
            if (context.User.Identity is AccessTokenIdentity { Kind: CallerKind.Unknown })
            {
                await BearerChallenge.WriteUnknownCallerAsync(context);
                return;
            }
            // An app token on a user endpoint is refused for being an app token, whatever its scopes.
            if (failed.OfType<UserTokenRequirement>().Any())
            {
                await BearerChallenge.WriteUserTokenRequiredAsync(context);
                return;
            }
            var scopes = failed.OfType<ScopeRequirement>().Select(s => s.Scope).Distinct().ToList();
            if (scopes.Count > 0)
            {
                await BearerChallenge.WriteInsufficientScopeAsync(context, scopes);
                return;
            }
            if (failed.OfType<StepUpRequirement>().FirstOrDefault() is { } stepUp && context.User.Identity is AccessTokenIdentity token)
            {
                await BearerChallenge.WriteInsufficientUserAuthenticationAsync(context, stepUp.Options, stepUp.Shortfall(token) ?? StepUpRequirement.TooOldAndTooWeak);
                return;
            }
        }
        await _default.HandleAsync(next, context, policy, authorizeResult);
    }
}
