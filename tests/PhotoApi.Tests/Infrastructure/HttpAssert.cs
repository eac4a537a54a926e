using System.Text.RegularExpressions;

namespace PhotoApi.Tests.Infrastructure;

/// <summary>Assertions about HTTP answers that read like the rule they check.</summary>
public static partial class HttpAssert
{
    /// <summary>The response has this status and an RFC 9457 problem body; returns the body.</summary>
    public static async Task<JsonElement> Problem(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = JsonDocument.Parse(text).RootElement;
        Assert.Equal((int)status, body.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("title").GetString()));
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal); // no stack trace
        return body;
    }

    public static async Task<T> Ok<T>(HttpResponseMessage response, HttpStatusCode status = HttpStatusCode.OK)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {text}");
        return (await response.Content.ReadFromJsonAsync<T>())!;
    }

    /// <summary>RFC 6750 §3.1 invalid_token: a 401 problem whose Bearer challenge says so; returns the challenge's auth-params.</summary>
    public static async Task<Dictionary<string, string>> InvalidToken(HttpResponseMessage response)
    {
        await Problem(response, HttpStatusCode.Unauthorized);
        var challenge = BearerChallenge(response);
        Assert.Equal("invalid_token", challenge["error"]);
        return challenge;
    }

    /// <summary>
    /// The Bearer challenge of a response to a Bearer request, its auth-params by name (RFC 6750 §3). The API offers exactly two
    /// schemes, Bearer and DPoP (RFC 9449 §7.2); the DPoP challenge must name its algorithms and carry no error of the Bearer request.
    /// </summary>
    public static Dictionary<string, string> BearerChallenge(HttpResponseMessage response)
    {
        var (bearer, dpop) = Challenges(response);
        Assert.False(dpop.ContainsKey("error"), "The error of a Bearer request belongs in the Bearer challenge only.");
        return bearer;
    }

    /// <summary>The DPoP challenge of a response to a DPoP request (RFC 9449 §7.1); the Bearer challenge beside it carries no error.</summary>
    public static Dictionary<string, string> DpopChallenge(HttpResponseMessage response)
    {
        var (bearer, dpop) = Challenges(response);
        Assert.False(bearer.ContainsKey("error"), "The error of a DPoP request belongs in the DPoP challenge only.");
        return dpop;
    }

    private static (Dictionary<string, string> Bearer, Dictionary<string, string> Dpop) Challenges(HttpResponseMessage response)
    {
        var headers = response.Headers.GetValues("WWW-Authenticate").ToList();
        Assert.Equal(2, headers.Count);
        Assert.StartsWith("Bearer", headers[0], StringComparison.Ordinal);
        Assert.StartsWith("DPoP ", headers[1], StringComparison.Ordinal);
        var bearer = Params(headers[0]);
        var dpop = Params(headers[1]);
        Assert.Equal("ES256 ES384 ES512 PS256 PS384 PS512 RS256 RS384 RS512", dpop["algs"]);
        Assert.Equal(bearer["resource_metadata"], dpop["resource_metadata"]);
        return (bearer, dpop);
    }

    private static Dictionary<string, string> Params(string challenge) =>
        AuthParam().Matches(challenge).ToDictionary(m => m.Groups["name"].Value, m => m.Groups["value"].Value);

    /// <summary>The errors map of a validation problem.</summary>
    public static Dictionary<string, string[]> Errors(JsonElement problem) =>
        problem.GetProperty("errors").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(e => e.GetString()!).ToArray());

    [GeneratedRegex("(?<name>[a-z_]+)=\"(?<value>[^\"]*)\"")]
    private static partial Regex AuthParam();
}
