using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using PhotoApi.DevIssuer.Configuration;
using PhotoApi.DevIssuer.Hosting;
using PhotoApi.DevIssuer.Protocol;

namespace PhotoApi.DevIssuer.Account;

/// <summary>The sign-in page: pick a demo user, optionally "with a second factor". No passwords in a dev tool.</summary>
public static class AccountPages
{
    public const string LoginPath = "/account/login";

    public static WebApplicationBuilder AddDevIssuerAccount(this WebApplicationBuilder builder)
    {
        builder.Services.AddAuthentication(SignInSession.Scheme)
            .AddCookie(SignInSession.Scheme, cookie =>
            {
                cookie.LoginPath = LoginPath;
                cookie.Cookie.Name = "photoapi.devissuer.session";
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Lax;
            });
        builder.Services.AddAntiforgery(antiforgery => antiforgery.Cookie.Name = "photoapi.devissuer.antiforgery");
        return builder;
    }

    public static IEndpointRouteBuilder MapAccount(this IEndpointRouteBuilder routes)
    {
        var account = routes.MapGroup("/account").ExcludeFromDescription();
        account.MapGet("/login", ShowLogin);
        account.MapPost("/login", SignIn).DisableAntiforgery(); // Validated explicitly to answer with problem+json.
        account.MapPost("/logout", SignOut).DisableAntiforgery();
        return routes;
    }

    public static ContentHttpResult ShowLogin(HttpContext http, DemoUsers users, IAntiforgery antiforgery, [FromQuery] string? returnUrl)
    {
        var choices = users.All.Select((user, index) => $"""
              <div>
                <input type="radio" id="user-{HtmlPage.Encode(user.Subject)}" name="subject" value="{HtmlPage.Encode(user.Subject)}"{(index == 0 ? " checked" : "")}>
                <label for="user-{HtmlPage.Encode(user.Subject)}">{HtmlPage.Encode(user.Name)}{(user.Email is null ? "" : $" ({HtmlPage.Encode(user.Email)})")}</label>
              </div>
            """);

        return HtmlPage.Render("Sign in", $"""
            <h1>Sign in</h1>
            <p class="note">Development issuer: pick a demo user. No password is needed.</p>
            <form method="post" action="{HtmlPage.Encode(http.Request.PathBase + LoginPath)}">
              {HtmlPage.AntiforgeryField(antiforgery, http)}
              {HtmlPage.HiddenField("returnUrl", returnUrl)}
              <fieldset>
                <legend>Demo user</legend>
            {string.Join("\n", choices)}
              </fieldset>
              <div>
                <input type="checkbox" id="mfa" name="mfa" value="true">
                <label for="mfa">Sign in with a second factor</label>
              </div>
              <p><button type="submit" id="sign-in">Sign in</button></p>
            </form>
            """);
    }

    public static async Task<Results<RedirectHttpResult, ProblemHttpResult, ValidationProblem>> SignIn(
        HttpContext http, DemoUsers users, IAntiforgery antiforgery, TimeProvider time)
    {
        if (!await antiforgery.IsRequestValidAsync(http))
        {
            return AntiforgeryProblem();
        }

        var form = await http.Request.ReadFormAsync();
        var user = users.Find(form["subject"]);
        if (user is null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["subject"] = ["Pick one of the demo users."],
            });
        }

        var acr = form["mfa"] == "true" ? TokenClaims.AcrMultiFactor : TokenClaims.AcrPassword;
        var session = new SignInSession(user.Subject, time.GetUtcNow().ToUnixTimeSeconds(), acr);
        await http.SignInAsync(SignInSession.Scheme, session.ToPrincipal());

        var returnUrl = form["returnUrl"].ToString();
        return TypedResults.Redirect(IsLocalUrl(returnUrl) ? returnUrl : http.Request.PathBase + "/");
    }

    public static async Task<Results<RedirectHttpResult, ProblemHttpResult>> SignOut(HttpContext http, IAntiforgery antiforgery)
    {
        if (!await antiforgery.IsRequestValidAsync(http))
        {
            return AntiforgeryProblem();
        }

        await http.SignOutAsync(SignInSession.Scheme);
        return TypedResults.Redirect(http.Request.PathBase + "/");
    }

    public static ProblemHttpResult AntiforgeryProblem() => TypedResults.Problem(
        statusCode: StatusCodes.Status400BadRequest,
        title: "Anti-forgery token missing or invalid",
        detail: "Reload the page and submit the form again.");

    // Only same-site paths: an open redirect after sign-in would hand the session to another site.
    private static bool IsLocalUrl(string url) =>
        url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal);
}
