using YamlDotNet.RepresentationModel;

namespace PhotoApi.Tests.Platform;

/// <summary>openapi.yaml at the repository root is what the app serves, and it shows every operation's scope.</summary>
[Collection(ApiCollection.Name)]
public sealed class OpenApiDocumentTests(ApiFixture fixture)
{
    [Fact]
    public async Task ServedDocument_EqualsTheCommittedOpenApiYaml()
    {
        var served = await fixture.Api.Anonymous().GetStringAsync("/swagger/v1/swagger.yaml");
        var committed = await File.ReadAllTextAsync(RepositoryRoot.File("openapi.yaml"));

        Assert.True(Normalize(served) == Normalize(committed),
            "openapi.yaml differs from the document the app serves; run scripts/openapi.sh and commit the result.");
    }

    [Fact]
    public async Task EveryProtectedOperation_DeclaresBearerSecurityScopeAndChallenges()
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(await fixture.Api.Anonymous().GetStringAsync("/swagger/v1/swagger.yaml")));
        var paths = (YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode)["paths"];
        var schemes = (YamlMappingNode)((YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode)["components"])["securitySchemes"];

        var checkedOperations = 0;
        foreach (var (path, item) in paths.Children)
        {
            if (path.ToString().StartsWith("/.well-known/", StringComparison.Ordinal))
            {
                // Public: an empty requirement list says so (a missing one would mean "whatever the document's default is").
                Assert.Empty((YamlSequenceNode)((YamlMappingNode)((YamlMappingNode)item)["get"])["security"]);
                continue;
            }
            foreach (var (method, operationNode) in ((YamlMappingNode)item).Children)
            {
                var operation = (YamlMappingNode)operationNode;
                var name = $"{method} {path}";
                Assert.True(operation.Children.ContainsKey("security"), $"{name} has no security requirement");
                Assert.True(operation.Children.ContainsKey("x-required-scope"), $"{name} does not show its scope");
                // Every alternative names a defined scheme and asks for the operation's scope (a token without it is refused either way).
                var scope = operation["x-required-scope"].ToString();
                foreach (var requirement in ((YamlSequenceNode)operation["security"]).Children.Cast<YamlMappingNode>())
                {
                    foreach (var (scheme, scopes) in requirement.Children)
                    {
                        Assert.True(schemes.Children.ContainsKey(scheme), $"{name} names the undefined scheme {scheme}");
                        Assert.Equal([scope], ((YamlSequenceNode)scopes).Children.Select(c => c.ToString()));
                    }
                }
                var responses = (YamlMappingNode)operation["responses"];
                Assert.True(responses.Children.ContainsKey("401"), $"{name} does not document 401");
                Assert.True(responses.Children.ContainsKey("403"), $"{name} does not document 403");
                checkedOperations++;
            }
        }
        Assert.True(checkedOperations >= 6);
    }

    [Fact]
    public async Task SwaggerUi_IsServedAnonymously()
    {
        var response = await fixture.Api.Anonymous().GetAsync("/swagger/index.html");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("swagger-ui", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SwaggerUisOpenIdConnectScheme_LeadsToTheIssuersDiscoveryDocument()
    {
        var response = await fixture.Api.Anonymous().GetAsync("/swagger/openid-configuration");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal($"{fixture.Issuer.Authority}/.well-known/openid-configuration", response.Headers.Location?.ToString());
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).Trim();
}
