using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using PhotoApi.DevIssuer.Account;
using PhotoApi.DevIssuer.Configuration;
using PhotoApi.DevIssuer.Hosting;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace PhotoApi.DevIssuer.Protocol;

/// <summary>
/// The authorization endpoint's user-facing half. OpenIddict has already validated client, redirect URI,
/// PKCE and scopes before this runs; here we only sign the user in and ask for consent.
/// </summary>
public static class AuthorizeEndpoint
{
    private const string DecisionField = "decision";
    private const string RememberField = "remember";

    private static async Task<object?> RememberedConsentAsync(
        IOpenIddictAuthorizationManager authorizations, string subject, string applicationId, IEnumerable<string> scopes)
    {
        await foreach (var authorization in authorizations.FindAsync(subject, applicationId, Statuses.Valid, AuthorizationTypes.Permanent, [.. scopes]))
        {
            return authorization;
        }

        return null;
    }

    public static IEndpointRouteBuilder MapAuthorize(this IEndpointRouteBuilder routes)
    {
        routes.MapMethods(ProtocolSetup.AuthorizationPath, [HttpMethods.Get, HttpMethods.Post], Authorize)
            .DisableAntiforgery() // Validated explicitly, and only when a consent decision is posted.
            .ExcludeFromDescription();
        return routes;
    }

    public static async Task<Results<RedirectHttpResult, ForbidHttpResult, SignInHttpResult, ContentHttpResult, ProblemHttpResult>> Authorize(
        HttpContext http,
        IOpenIddictApplicationManager applications,
        IOpenIddictAuthorizationManager authorizations,
        DemoUsers users,
        IAntiforgery antiforgery,
        IOptions<DevIssuerOptions> options,
        TimeProvider time)
    {
        var request = http.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("The OpenIddict server request cannot be retrieved.");
        var parameters = HttpMethods.IsPost(http.Request.Method)
            ? (await http.Request.ReadFormAsync()).ToList()
            : http.Request.Query.ToList();

        var session = SignInSession.From((await http.AuthenticateAsync(SignInSession.Scheme)).Principal);
        var user = users.Find(session?.Subject);
        if (session is null || user is null || MustSignInAgain(request, session, time))
        {
            if (request.HasPromptValue(PromptValues.None))
            {
                return Reject(Errors.LoginRequired, "The user is not signed in.");
            }

            // After signing in the user comes back here without prompt/max_age, which the fresh sign-in has just satisfied.
            // A plain redirect, not a cookie challenge: .NET 10 answers challenges on typed-result endpoints with 401.
            var returnUrl = http.Request.PathBase + http.Request.Path + QueryString.Create(WithoutSignInDemands(parameters));
            return TypedResults.Redirect(http.Request.PathBase + AccountPages.LoginPath + QueryString.Create("returnUrl", returnUrl));
        }

        var application = await applications.FindByClientIdAsync(request.ClientId!)
            ?? throw new InvalidOperationException("OpenIddict validated a client that no longer exists.");
        var applicationId = (await applications.GetIdAsync(application))!;
        var principal = TokenClaims.ForUser(user, session.AuthTime, session.Acr, request.GetScopes(), options.Value.Audience);

        var decision = parameters.FirstOrDefault(p => p.Key == DecisionField).Value.ToString();
        if (decision is "allow" or "deny")
        {
            if (!await antiforgery.IsRequestValidAsync(http))
            {
                return AccountPages.AntiforgeryProblem();
            }

            if (decision == "deny")
            {
                // OpenIddict turns this into a redirect with error=access_denied and the client's state.
                return Reject(Errors.AccessDenied, "The user denied the request.");
            }

            if (parameters.FirstOrDefault(p => p.Key == RememberField).Value == "true")
            {
                // A permanent authorization is the remembered consent; the tokens issued now belong to it, so withdrawing it revokes them.
                var remembered = await authorizations.CreateAsync(principal, user.Subject, applicationId, AuthorizationTypes.Permanent, request.GetScopes());
                principal.SetAuthorizationId(await authorizations.GetIdAsync(remembered));
            }

            return TypedResults.SignIn(principal, authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        // Consent given earlier for these scopes (or more) needs no second asking, unless the client asks for it (prompt=consent).
        if (!request.HasPromptValue(PromptValues.Consent)
            && await RememberedConsentAsync(authorizations, user.Subject, applicationId, request.GetScopes()) is { } consent)
        {
            principal.SetAuthorizationId(await authorizations.GetIdAsync(consent));
            return TypedResults.SignIn(principal, authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        if (request.HasPromptValue(PromptValues.None))
        {
            return Reject(Errors.ConsentRequired, "Interactive consent is required.");
        }

        var clientName = await applications.GetDisplayNameAsync(application) ?? request.ClientId!;
        return ConsentPage.Render(http, antiforgery, ProtocolSetup.AuthorizationPath, clientName, user, request.GetScopes(),
            WithoutSignInDemands(parameters), offerToRemember: true);
    }

    private static bool MustSignInAgain(OpenIddictRequest request, SignInSession session, TimeProvider time) =>
        request.HasPromptValue(PromptValues.Login)
        // ">=" so that max_age=0 means "sign in again" even within the same second (OIDC Core §3.1.2.1).
        || (request.MaxAge is long maxAge && time.GetUtcNow().ToUnixTimeSeconds() - session.AuthTime >= maxAge);

    private static IEnumerable<KeyValuePair<string, StringValues>> WithoutSignInDemands(
        IEnumerable<KeyValuePair<string, StringValues>> parameters) =>
        parameters.Where(p => p.Key is not (Parameters.Prompt or Parameters.MaxAge or DecisionField or RememberField)
            && !p.Key.StartsWith("__RequestVerificationToken", StringComparison.Ordinal));

    private static ForbidHttpResult Reject(string error, string description) => TypedResults.Forbid(
        new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }),
        [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
}

/// <summary>"PhotoPrint wants to: view your photos" with Allow and Deny.</summary>
public static class ConsentPage
{
    public static ContentHttpResult Render(
        HttpContext http,
        IAntiforgery antiforgery,
        string action,
        string clientName,
        DemoUserOptions user,
        IEnumerable<string> scopes,
        IEnumerable<KeyValuePair<string, StringValues>> requestParameters,
        bool offerToRemember = false)
    {
        var remember = offerToRemember
            ? $"""
              <div>
                <input type="checkbox" id="remember" name="remember" value="true">
                <label for="remember">Remember my choice for {HtmlPage.Encode(clientName)}</label>
              </div>
              """
            : "";
        var items = scopes.Select(scope => $"""    <li data-scope="{HtmlPage.Encode(scope)}">{HtmlPage.Encode(PhotoScopes.Describe(scope))}</li>""");
        return HtmlPage.Render("Allow access?", $"""
            <h1>Allow access?</h1>
            <p id="consent-request"><strong id="client-name">{HtmlPage.Encode(clientName)}</strong> wants to:</p>
            <ul id="requested-scopes">
            {string.Join("\n", items)}
            </ul>
            <p class="note">Signed in as {HtmlPage.Encode(user.Name)}.</p>
            <form method="post" action="{HtmlPage.Encode(http.Request.PathBase + action)}">
              {HtmlPage.AntiforgeryField(antiforgery, http)}
              {HtmlPage.HiddenFields(requestParameters)}
              {remember}
              <button type="submit" id="allow" name="decision" value="allow">Allow</button>
              <button type="submit" id="deny" name="decision" value="deny">Deny</button>
            </form>
            """);
    }
}
