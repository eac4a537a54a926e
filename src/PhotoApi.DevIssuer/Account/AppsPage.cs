using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using OpenIddict.Abstractions;
using PhotoApi.DevIssuer.Configuration;
using PhotoApi.DevIssuer.Hosting;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace PhotoApi.DevIssuer.Account;

/// <summary>
/// "Apps you have allowed": the user's remembered consents (OpenIddict permanent authorizations), each with a Withdraw
/// button that revokes the consent and every token issued under it.
/// </summary>
public static class AppsPage
{
    public const string Path = "/account/apps";

    public static IEndpointRouteBuilder MapAllowedApps(this IEndpointRouteBuilder routes)
    {
        routes.MapGet(Path, Show).ExcludeFromDescription();
        routes.MapPost(Path + "/withdraw", Withdraw).DisableAntiforgery().ExcludeFromDescription(); // Validated explicitly.
        return routes;
    }

    public static async Task<Results<ContentHttpResult, RedirectHttpResult>> Show(
        HttpContext http,
        DemoUsers users,
        IAntiforgery antiforgery,
        IOpenIddictAuthorizationManager authorizations,
        IOpenIddictApplicationManager applications)
    {
        var user = await SignedInUserAsync(http, users);
        if (user is null)
        {
            return TypedResults.Redirect(http.Request.PathBase + AccountPages.LoginPath + QueryString.Create("returnUrl", http.Request.PathBase + Path));
        }

        var rows = new List<string>();
        await foreach (var authorization in authorizations.FindBySubjectAsync(user.Subject))
        {
            if (!await IsRememberedConsentAsync(authorizations, authorization))
            {
                continue;
            }

            var application = await applications.FindByIdAsync((await authorizations.GetApplicationIdAsync(authorization))!);
            var name = application is null ? "(removed app)" : await applications.GetDisplayNameAsync(application);
            var scopes = (await authorizations.GetScopesAsync(authorization)).Select(scope => $"<li>{HtmlPage.Encode(PhotoScopes.Describe(scope))}</li>");
            rows.Add($"""
                <li class="allowed-app" data-client="{HtmlPage.Encode(application is null ? "" : await applications.GetClientIdAsync(application))}">
                  <strong>{HtmlPage.Encode(name)}</strong> can:
                  <ul>{string.Concat(scopes)}</ul>
                  <form method="post" action="{HtmlPage.Encode(http.Request.PathBase + Path + "/withdraw")}">
                    {HtmlPage.AntiforgeryField(antiforgery, http)}
                    {HtmlPage.HiddenField("authorization", await authorizations.GetIdAsync(authorization))}
                    <button type="submit" class="withdraw">Withdraw</button>
                  </form>
                </li>
                """);
        }

        return HtmlPage.Render("Apps you have allowed", $"""
            <h1>Apps you have allowed</h1>
            <p class="note">Signed in as {HtmlPage.Encode(user.Name)}. Withdrawing signs the app out: its refresh tokens stop working at once,
            its access tokens within their lifetime (they are self-contained JWTs).</p>
            {(rows.Count == 0 ? """<p id="no-apps">You have not allowed any app to remember your consent.</p>""" : $"""<ul id="allowed-apps">{string.Join("\n", rows)}</ul>""")}
            """);
    }

    public static async Task<Results<RedirectHttpResult, ProblemHttpResult>> Withdraw(
        HttpContext http,
        DemoUsers users,
        IAntiforgery antiforgery,
        IOpenIddictAuthorizationManager authorizations,
        IOpenIddictTokenManager tokens)
    {
        if (!await antiforgery.IsRequestValidAsync(http))
        {
            return AccountPages.AntiforgeryProblem();
        }

        var user = await SignedInUserAsync(http, users);
        if (user is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Sign in first");
        }

        var id = (await http.Request.ReadFormAsync())["authorization"].ToString();
        var authorization = id.Length == 0 ? null : await authorizations.FindByIdAsync(id);
        // Someone else's consent is "not found", exactly like one that does not exist.
        if (authorization is null || await authorizations.GetSubjectAsync(authorization) != user.Subject)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such app consent");
        }

        await authorizations.TryRevokeAsync(authorization);
        await tokens.RevokeByAuthorizationIdAsync(id);
        return TypedResults.Redirect(http.Request.PathBase + Path);
    }

    private static async Task<DemoUserOptions?> SignedInUserAsync(HttpContext http, DemoUsers users) =>
        users.Find(SignInSession.From((await http.AuthenticateAsync(SignInSession.Scheme)).Principal)?.Subject);

    private static async Task<bool> IsRememberedConsentAsync(IOpenIddictAuthorizationManager authorizations, object authorization) =>
        await authorizations.HasTypeAsync(authorization, AuthorizationTypes.Permanent)
        && await authorizations.HasStatusAsync(authorization, Statuses.Valid);
}
