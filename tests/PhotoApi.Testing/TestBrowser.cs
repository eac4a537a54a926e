using System.Text.RegularExpressions;

namespace PhotoApi.Testing;

/// <summary>
/// A minimal browser: keeps cookies, never follows redirects by itself, and submits the forms it is
/// shown (hidden fields, anti-forgery token included), so each step of a sign-in can be asserted.
/// </summary>
public sealed partial class TestBrowser(Uri baseAddress) : IDisposable
{
    private readonly HttpClient _http = new(new HttpClientHandler
    {
        AllowAutoRedirect = false,
        UseCookies = true,
        CookieContainer = new CookieContainer(),
    })
    {
        BaseAddress = baseAddress,
    };

    public Uri BaseAddress => baseAddress;

    public async Task<Page> OpenAsync(string url)
    {
        var response = await _http.GetAsync(new Uri(baseAddress, url));
        return await Page.ReadAsync(response);
    }

    /// <summary>Follows the redirect the page answered with, as a browser would.</summary>
    public Task<Page> FollowAsync(Page page)
    {
        Assert.True(page.IsRedirect, $"Expected a redirect but got {(int)page.Status}: {page.Html}");
        return OpenAsync(page.Location!.ToString());
    }

    /// <summary>Submits the page's form: its hidden fields, the checked radio buttons, plus the given fields (e.g. the pressed button).</summary>
    public async Task<Page> SubmitAsync(Page page, IDictionary<string, string>? fields = null, bool withAntiforgery = true)
    {
        var action = FormAction().Match(page.Html);
        Assert.True(action.Success, $"No form on the page: {page.Html}");
        var values = page.FormFields();
        if (!withAntiforgery)
        {
            values.RemoveAll(field => field.Key == "__RequestVerificationToken");
        }

        foreach (var (name, value) in fields ?? new Dictionary<string, string>())
        {
            values.RemoveAll(field => field.Key == name);
            values.Add(new(name, value));
        }

        var response = await _http.PostAsync(
            new Uri(baseAddress, WebUtility.HtmlDecode(action.Groups["action"].Value)),
            new FormUrlEncodedContent(values));
        return await Page.ReadAsync(response);
    }

    /// <summary>Signs in on the login page the browser was sent to.</summary>
    public Task<Page> SignInAsync(Page loginPage, string subject = "alice", bool secondFactor = false)
    {
        var fields = new Dictionary<string, string> { ["subject"] = subject };
        if (secondFactor)
        {
            fields["mfa"] = "true";
        }

        return SubmitAsync(loginPage, fields);
    }

    public void Dispose() => _http.Dispose();

    [GeneratedRegex("""<form method="post" action="(?<action>[^"]*)">""")]
    private static partial Regex FormAction();
}

/// <summary>One response as the browser saw it.</summary>
public sealed partial record Page(HttpStatusCode Status, Uri? Location, string Html, string? ContentType)
{
    public bool IsRedirect => (int)Status is >= 300 and < 400;

    /// <summary>RFC 6749 §4.1.2.1: the error goes back to the client's <paramref name="redirectUri"/> with its state, and no code.</summary>
    public void AssertErrorRedirect(string redirectUri, string error, string state)
    {
        Assert.StartsWith(redirectUri + "?", Location!.ToString());
        var parameters = RedirectParameters();
        Assert.Equal(error, parameters["error"]);
        Assert.Equal(state, parameters["state"]);
        Assert.False(parameters.ContainsKey("code"));
    }

    /// <summary>The issuer answered itself with a 400 error page naming <paramref name="message"/>, instead of redirecting to a redirect URI it cannot trust.</summary>
    public void AssertErrorPage(string message)
    {
        Assert.Equal(HttpStatusCode.BadRequest, Status);
        Assert.Null(Location);
        Assert.Contains(message, Html, StringComparison.Ordinal);
    }

    public static async Task<Page> ReadAsync(HttpResponseMessage response)
    {
        using (response)
        {
            var location = response.Headers.Location;
            return new Page(
                response.StatusCode,
                location is null || location.IsAbsoluteUri ? location : new Uri(response.RequestMessage!.RequestUri!, location),
                await response.Content.ReadAsStringAsync(),
                response.Content.Headers.ContentType?.MediaType);
        }
    }

    public bool IsLoginPage => Html.Contains("id=\"sign-in\"", StringComparison.Ordinal);

    public bool IsConsentPage => Html.Contains("id=\"allow\"", StringComparison.Ordinal);

    /// <summary>The hidden inputs and checked radio buttons the form would send.</summary>
    public List<KeyValuePair<string, string>> FormFields()
    {
        var fields = HiddenInput().Matches(Html)
            .Select(m => new KeyValuePair<string, string>(WebUtility.HtmlDecode(m.Groups["name"].Value), WebUtility.HtmlDecode(m.Groups["value"].Value)))
            .ToList();
        fields.AddRange(CheckedRadio().Matches(Html)
            .Select(m => new KeyValuePair<string, string>(WebUtility.HtmlDecode(m.Groups["name"].Value), WebUtility.HtmlDecode(m.Groups["value"].Value))));
        return fields;
    }

    /// <summary>The query parameters of the redirect, e.g. code, state, error.</summary>
    public IReadOnlyDictionary<string, string> RedirectParameters()
    {
        Assert.True(IsRedirect, $"Expected a redirect but got {(int)Status}: {Html}");
        return Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(Location!.Query)
            .ToDictionary(p => p.Key, p => p.Value.ToString());
    }

    [GeneratedRegex("""<input type="hidden" name="(?<name>[^"]*)" value="(?<value>[^"]*)">""")]
    private static partial Regex HiddenInput();

    [GeneratedRegex("""<input type="radio" id="[^"]*" name="(?<name>[^"]*)" value="(?<value>[^"]*)" checked>""")]
    private static partial Regex CheckedRadio();
}
