namespace PhotoApi.DevIssuer.Tests.Infrastructure;

/// <summary>The user's side of the authorization code flow, step by step or in one call.</summary>
public static class AuthorizationFlow
{
    /// <summary>Opens the authorization URL, signs in if asked to, and answers the consent page. Returns the redirect back to the client.</summary>
    public static async Task<Page> AuthorizeAsync(
        this TestBrowser browser, AuthorizationRequest request, string user = "alice", bool allow = true, bool secondFactor = false, bool remember = false)
    {
        var page = await browser.OpenAsync(request.ToUrl());
        if (page.IsRedirect && page.Location!.AbsolutePath == "/account/login")
        {
            var login = await browser.FollowAsync(page);
            page = await browser.FollowAsync(await browser.SignInAsync(login, user, secondFactor));
        }

        Assert.True(page.IsConsentPage, $"Expected the consent page but got {(int)page.Status} {page.Location}: {page.Html}");
        var answer = new Dictionary<string, string> { ["decision"] = allow ? "allow" : "deny" };
        if (remember)
        {
            answer["remember"] = "true"; // the "Remember my choice" checkbox, ticked
        }

        return await browser.SubmitAsync(page, answer);
    }

    /// <summary>
    /// The device flow's other half (RFC 8628 §3.3): the user opens the verification URI on a phone, signs in if asked,
    /// and answers the consent page. Returns the page the user ends on.
    /// </summary>
    public static async Task<Page> AnswerDeviceAsync(this TestBrowser browser, string verificationUri, string user = "alice", bool allow = true)
    {
        var page = await browser.OpenAsync(verificationUri);
        if (page.IsRedirect && page.Location!.AbsolutePath == "/account/login")
        {
            var login = await browser.FollowAsync(page);
            page = await browser.FollowAsync(await browser.SignInAsync(login, user));
        }

        Assert.True(page.IsConsentPage, $"Expected the consent page but got {(int)page.Status} {page.Location}: {page.Html}");
        var answered = await browser.SubmitAsync(page, new Dictionary<string, string> { ["decision"] = allow ? "allow" : "deny" });
        return await browser.FollowAsync(answered);
    }

    public static async Task<string> GetCodeAsync(
        this TestBrowser browser, AuthorizationRequest request, string user = "alice", bool secondFactor = false)
    {
        var redirect = await browser.AuthorizeAsync(request, user, allow: true, secondFactor);
        var parameters = redirect.RedirectParameters();
        Assert.True(parameters.ContainsKey("code"), $"No code in {redirect.Location}");
        return parameters["code"];
    }

    /// <summary>A user signs in, consents, and the client exchanges the code: the usual start of a story.</summary>
    public static async Task<TokenResponse> SignInAndGetTokensAsync(
        this DevIssuerHost host, Client client, string user = "alice", string scope = "photos.read photos.write offline_access", bool secondFactor = false)
    {
        using var browser = host.NewBrowser();
        using var tokens = host.NewTokenClient();
        var request = AuthorizationRequest.For(client) with { Scope = scope };
        var code = await browser.GetCodeAsync(request, user, secondFactor);
        return (await tokens.ExchangeCodeAsync(client, code, request.Pkce.Verifier)).EnsureTokens();
    }
}
