using Microsoft.AspNetCore.WebUtilities;

namespace PhotoApi.DevIssuer.Tests;

/// <summary>RFC 8707 resource indicators, and reference (opaque) access tokens for the clients configured to get them.</summary>
public sealed class ResourceIndicatorTests(DevIssuerHost host) : IClassFixture<DevIssuerHost>
{
    // DevIssuer:Resources in appsettings.json: the API's RFC 9728 resource URL as scripts/run.sh serves it.
    private const string ApiResource = "http://localhost:5000";

    [Fact]
    public async Task TokenRequest_WithAKnownResource_IssuesATokenForExactlyThatResource()
    {
        using var tokens = host.NewTokenClient();

        var response = (await tokens.TokenRequestAsync(new Client("photo-admin-job", "photo-admin-job-secret", ""), new Dictionary<string, string?>
        {
            ["grant_type"] = "client_credentials",
            ["resource"] = ApiResource,
        })).EnsureTokens();

        Assert.Equal(ApiResource, Jwt.Decode(response.AccessToken!).Claim("aud"));
    }

    [Fact]
    public async Task TokenRequest_WithAnUnknownResource_IsInvalidTargetAsJson()
    {
        using var tokens = host.NewTokenClient();

        var response = await tokens.TokenRequestAsync(new Client("photo-admin-job", "photo-admin-job-secret", ""), new Dictionary<string, string?>
        {
            ["grant_type"] = "client_credentials",
            ["resource"] = "https://elsewhere.example/api",
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("invalid_target", response.Error); // RFC 8707 §2
        Assert.Contains("json", response.ContentType, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuthorizationRequest_WithAnUnknownResource_RedirectsInvalidTargetToTheClient()
    {
        using var browser = host.NewBrowser();
        var request = AuthorizationRequest.For(Client.PhotoPrint) with { Extra = new() { ["resource"] = "https://elsewhere.example/api" } };

        var page = await browser.OpenAsync(request.ToUrl());

        Assert.True(page.IsRedirect, $"Expected a redirect to the client, got {(int)page.Status}: {page.Html}");
        Assert.StartsWith(Client.PhotoPrint.RedirectUri, page.Location!.ToString(), StringComparison.Ordinal);
        var query = QueryHelpers.ParseQuery(page.Location.Query);
        Assert.Equal("invalid_target", query["error"]); // RFC 8707 §2, with the client's state (RFC 6749 §4.1.2.1)
        Assert.Equal(request.State, query["state"]);
    }

    [Fact]
    public async Task ReferenceTokenClient_GetsAnOpaqueAccessToken_ThatTheApiClientCanIntrospect()
    {
        using var tokens = host.NewTokenClient();

        var token = (await tokens.ClientCredentialsAsync("photoprint-opaque", "photoprint-opaque-secret", "photos.admin")).EnsureTokens().AccessToken!;
        var answer = await tokens.IntrospectAsync(new Client("photo-api", "photo-api-secret", ""), token);

        Assert.DoesNotContain('.', token); // not a JWT: only the issuer can read it
        Assert.True(answer.Body.GetProperty("active").GetBoolean());
        Assert.Equal("photos.admin", answer.Scope);
        Assert.Equal("photoprint-opaque", answer.Get("client_id"));
    }
}
