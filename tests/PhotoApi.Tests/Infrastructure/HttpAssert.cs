using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
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

    /// <summary>The single Bearer challenge of a response, its auth-params by name (RFC 6750 §3).</summary>
    public static Dictionary<string, string> BearerChallenge(HttpResponseMessage response)
    {
        var values = response.Headers.WwwAuthenticate.ToList();
        Assert.Single(values);
        Assert.Equal("Bearer", values[0].Scheme);
        var header = response.Headers.GetValues("WWW-Authenticate").Single();
        return AuthParam().Matches(header).ToDictionary(m => m.Groups["name"].Value, m => m.Groups["value"].Value);
    }

    /// <summary>The errors map of a validation problem.</summary>
    public static Dictionary<string, string[]> Errors(JsonElement problem) =>
        problem.GetProperty("errors").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(e => e.GetString()!).ToArray());

    [GeneratedRegex("(?<name>[a-z_]+)=\"(?<value>[^\"]*)\"")]
    private static partial Regex AuthParam();
}
