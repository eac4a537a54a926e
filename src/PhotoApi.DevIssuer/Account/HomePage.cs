using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using PhotoApi.DevIssuer.Configuration;
using PhotoApi.DevIssuer.Hosting;
using PhotoApi.DevIssuer.Protocol;

namespace PhotoApi.DevIssuer.Account;

/// <summary>Where sign-in lands without a return URL: who is signed in, and where the metadata is.</summary>
public static class HomePage
{
    public static IEndpointRouteBuilder MapHome(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/", Show).ExcludeFromDescription();
        return routes;
    }

    public static ContentHttpResult Show(HttpContext http, DemoUsers users, IAntiforgery antiforgery)
    {
        var user = users.Find(SignInSession.From(http.User)?.Subject);
        var session = user is null
            ? $"""<p>Not signed in. <a href="{HtmlPage.Encode(http.Request.PathBase + AccountPages.LoginPath)}">Sign in</a></p>"""
            : $"""
              <p>Signed in as {HtmlPage.Encode(user.Name)}. <a href="{HtmlPage.Encode(http.Request.PathBase + AppsPage.Path)}">Apps you have allowed</a></p>
              <form method="post" action="{HtmlPage.Encode(http.Request.PathBase + "/account/logout")}">
                {HtmlPage.AntiforgeryField(antiforgery, http)}
                <button type="submit" id="sign-out">Sign out</button>
              </form>
              """;
        return HtmlPage.Render("PhotoApi dev issuer", $"""
            <h1>PhotoApi dev issuer</h1>
            <p>A local OAuth 2.0 authorization server for development and tests.</p>
            <p>Metadata: <a href="{HtmlPage.Encode(http.Request.PathBase + ProtocolSetup.OpenIdConfigurationPath)}">{HtmlPage.Encode(ProtocolSetup.OpenIdConfigurationPath)}</a></p>
            {session}
            """);
    }
}
