using System.Security.Cryptography;
using Microsoft.AspNetCore.WebUtilities;

namespace PhotoApi.Tests.Infrastructure;

/// <summary>A user signs in at the real dev issuer and a confidential client exchanges the code (authorization code + PKCE).</summary>
public static class DevIssuerSignIn
{
    /// <summary>The token response; <paramref name="resource"/> is sent on both requests (RFC 8707 §2.1, §2.2).</summary>
    public static async Task<JsonElement> SignInAsync(this DevIssuerHost issuer, string clientId, string clientSecret, string scope,
        string user = "alice", string? resource = null, string redirectUri = "http://localhost:5002/callback")
    {
        var (redirect, verifier) = await AuthorizeWithVerifierAsync(issuer, clientId, scope, user, resource, redirectUri, "xyz");
        var query = QueryHelpers.ParseQuery(redirect.Query);
        Assert.True(query.ContainsKey("code"), $"No code in {redirect}");
        using var http = new HttpClient { BaseAddress = issuer.BaseAddress };
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = query["code"]!,
            ["redirect_uri"] = redirectUri,
            ["code_verifier"] = verifier,
            ["client_id"] = clientId,
            ["client_secret"] = clientSecret,
        };
        if (resource is not null)
        {
            form["resource"] = resource;
        }
        return await HttpAssert.Ok<JsonElement>(await http.PostAsync("/connect/token", new FormUrlEncodedContent(form)));
    }

    /// <summary>Opens the authorization URL, signs in, consents; returns where the issuer sends the browser back to.</summary>
    public static async Task<Uri> AuthorizeAsync(this DevIssuerHost issuer, string clientId, string scope, string user = "alice", string? resource = null,
        string redirectUri = "http://localhost:5002/callback", string state = "xyz") =>
        (await AuthorizeWithVerifierAsync(issuer, clientId, scope, user, resource, redirectUri, state)).Redirect;

    private static async Task<(Uri Redirect, string Verifier)> AuthorizeWithVerifierAsync(DevIssuerHost issuer, string clientId, string scope, string user, string? resource,
        string redirectUri, string state)
    {
        var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
        var query = new Dictionary<string, string?>
        {
            ["response_type"] = "code",
            ["client_id"] = clientId,
            ["redirect_uri"] = redirectUri,
            ["scope"] = scope,
            ["state"] = state,
            ["code_challenge"] = Base64Url(SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(verifier))),
            ["code_challenge_method"] = "S256",
            ["resource"] = resource,
        };
        using var browser = new TestBrowser(issuer.BaseAddress);
        var page = await browser.OpenAsync(QueryHelpers.AddQueryString("/connect/authorize", query.Where(p => p.Value is not null)));
        if (page.IsRedirect && page.Location!.AbsolutePath == "/account/login")
        {
            page = await browser.FollowAsync(await browser.SignInAsync(await browser.FollowAsync(page), user));
        }
        if (page.IsConsentPage)
        {
            page = await browser.SubmitAsync(page, new Dictionary<string, string> { ["decision"] = "allow" });
        }
        Assert.True(page.IsRedirect, $"Expected the redirect back to the client, got {(int)page.Status}: {page.Html}");
        return (page.Location!, verifier);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
