using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace PhotoApi.DevIssuer.Tests.Infrastructure;

/// <summary>An RFC 7636 verifier and its S256 challenge.</summary>
public sealed record Pkce(string Verifier, string Challenge)
{
    public static Pkce New()
    {
        var verifier = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        return new Pkce(verifier, WebEncoders.Base64UrlEncode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))));
    }
}

/// <summary>The authorization request a client sends the browser to, with sensible defaults.</summary>
public sealed record AuthorizationRequest(Client Client, Pkce Pkce)
{
    public string Scope { get; init; } = "photos.read photos.write offline_access";

    public string State { get; init; } = Guid.NewGuid().ToString("N");

    public string? RedirectUri { get; init; }

    public string? CodeChallengeMethod { get; init; } = "S256";

    public bool SendCodeChallenge { get; init; } = true;

    public Dictionary<string, string> Extra { get; init; } = [];

    public static AuthorizationRequest For(Client client) => new(client, Pkce.New());

    public string ToUrl()
    {
        var query = new Dictionary<string, string?>
        {
            ["response_type"] = "code",
            ["client_id"] = Client.Id,
            ["redirect_uri"] = RedirectUri ?? Client.RedirectUri,
            ["scope"] = Scope,
            ["state"] = State,
        };
        if (SendCodeChallenge)
        {
            query["code_challenge"] = CodeChallengeMethod == "plain" ? Pkce.Verifier : Pkce.Challenge;
            query["code_challenge_method"] = CodeChallengeMethod;
        }

        foreach (var (key, value) in Extra)
        {
            query[key] = value;
        }

        return QueryHelpers.AddQueryString("/connect/authorize", query.Where(p => p.Value is not null));
    }
}
