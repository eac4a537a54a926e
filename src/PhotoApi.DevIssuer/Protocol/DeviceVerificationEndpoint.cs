using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using PhotoApi.DevIssuer.Account;
using PhotoApi.DevIssuer.Configuration;
using PhotoApi.DevIssuer.Hosting;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace PhotoApi.DevIssuer.Protocol;

/// <summary>
/// The device flow's verification page (RFC 8628 §3.3): the user types the code the TV shows (or follows
/// verification_uri_complete), signs in on the usual page and answers the usual consent page. OpenIddict issued and
/// validates the codes; allowing or denying here is what the device's polling then sees.
/// </summary>
public static class DeviceVerificationEndpoint
{
    public const string DonePath = "/connect/verify/done";

    private const string DecisionField = "decision";

    public static IEndpointRouteBuilder MapDeviceVerification(this IEndpointRouteBuilder routes)
    {
        routes.MapMethods(ProtocolSetup.VerificationPath, [HttpMethods.Get, HttpMethods.Post], Verify)
            .DisableAntiforgery() // Validated explicitly, and only when a decision is posted.
            .ExcludeFromDescription();
        routes.MapGet(DonePath, Done).ExcludeFromDescription();
        return routes;
    }

    public static async Task<Results<RedirectHttpResult, ContentHttpResult, SignInHttpResult, ForbidHttpResult, ProblemHttpResult>> Verify(
        HttpContext http,
        IOpenIddictApplicationManager applications,
        DemoUsers users,
        IAntiforgery antiforgery,
        IOptions<DevIssuerOptions> options)
    {
        var request = http.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("The OpenIddict server request cannot be retrieved.");
        if (string.IsNullOrEmpty(request.UserCode))
        {
            return EnterCodePage(http, error: null);
        }

        var session = SignInSession.From((await http.AuthenticateAsync(SignInSession.Scheme)).Principal);
        var user = users.Find(session?.Subject);
        if (session is null || user is null)
        {
            var returnUrl = http.Request.PathBase + ProtocolSetup.VerificationPath + QueryString.Create(Parameters.UserCode, request.UserCode);
            return TypedResults.Redirect(http.Request.PathBase + AccountPages.LoginPath + QueryString.Create("returnUrl", returnUrl));
        }

        // OpenIddict resolves the user code to the device authorization request it was issued for.
        var device = (await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme)).Principal;
        if (device?.GetClaim(Claims.ClientId) is not { } clientId
            || await applications.FindByClientIdAsync(clientId) is not { } application)
        {
            // Never echo the code: "not valid" is all the user (or someone guessing codes) learns.
            return EnterCodePage(http, error: "That code is not valid, or it has expired. Check the code on your device and type it again.");
        }

        var decision = HttpMethods.IsPost(http.Request.Method) ? (await http.Request.ReadFormAsync())[DecisionField].ToString() : "";
        if (decision is "allow" or "deny")
        {
            if (!await antiforgery.IsRequestValidAsync(http))
            {
                return AccountPages.AntiforgeryProblem();
            }

            if (decision == "deny")
            {
                // OpenIddict marks the device code rejected: the device's next poll gets access_denied.
                return TypedResults.Forbid(
                    new AuthenticationProperties { RedirectUri = http.Request.PathBase + DonePath + "?outcome=denied" },
                    [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
            }

            var principal = TokenClaims.ForUser(user, session.AuthTime, session.Acr, device.GetScopes(), options.Value.Audience);
            return TypedResults.SignIn(
                principal,
                new AuthenticationProperties { RedirectUri = http.Request.PathBase + DonePath + "?outcome=allowed" },
                OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        var clientName = await applications.GetDisplayNameAsync(application) ?? clientId;
        return ConsentPage.Render(http, antiforgery, ProtocolSetup.VerificationPath, clientName, user, device.GetScopes(),
            [new(Parameters.UserCode, request.UserCode)]);
    }

    public static ContentHttpResult Done(string? outcome) => outcome == "allowed"
        ? HtmlPage.Render("Device connected", """
            <h1 id="device-allowed">Done</h1>
            <p>You can go back to your device: it is signed in now.</p>
            """)
        : HtmlPage.Render("Device not connected", """
            <h1 id="device-denied">Access denied</h1>
            <p>Your device was not given access. You can close this page.</p>
            """);

    private static ContentHttpResult EnterCodePage(HttpContext http, string? error) => HtmlPage.Render(
        "Connect a device",
        $"""
        <h1>Connect a device</h1>
        {(error is null ? "" : $"""<p id="code-error" role="alert">{HtmlPage.Encode(error)}</p>""")}
        <form method="get" action="{HtmlPage.Encode(http.Request.PathBase + ProtocolSetup.VerificationPath)}">
          <label for="user-code">Enter the code shown on your device</label>
          <input type="text" id="user-code" name="user_code" autocomplete="off" autocapitalize="characters" required>
          <button type="submit" id="continue">Continue</button>
        </form>
        """,
        error is null ? StatusCodes.Status200OK : StatusCodes.Status400BadRequest);
}
