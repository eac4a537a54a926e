using System.Diagnostics;

namespace PhotoApi.Tests.Platform;

/// <summary>
/// A team generating a client from openapi.yaml runs a linter first: the document passes Redocly's recommended rules and
/// Spectral's OpenAPI ruleset (tests/interop/redocly.yaml and .spectral.yaml, which say why the rules turned off are off)
/// with no error and no warning.
/// </summary>
public sealed class OpenApiLintTests
{
    [Fact]
    public async Task Redocly_RecommendedRules_FindNothing()
    {
        var problems = await RedoclyAsync(RepositoryRoot.File("openapi.yaml"));

        Assert.True(problems.Count == 0, "Redocly: " + string.Join("; ", problems));
    }

    [Fact]
    public async Task Spectral_OasRuleset_FindsNothing()
    {
        var problems = await SpectralAsync(RepositoryRoot.File("openapi.yaml"));

        Assert.True(problems.Count == 0, "Spectral: " + string.Join("; ", problems));
    }

    [Fact]
    public async Task BothLinters_CatchADocumentWithoutServers()
    {
        // The same document with a mistake ours once had: no servers. Proves the linters run and report, not just exit 0.
        var broken = Path.Combine(Path.GetTempPath(), $"photoapi-broken-{Guid.NewGuid():N}.yaml");
        var yaml = await File.ReadAllTextAsync(RepositoryRoot.File("openapi.yaml"));
        var withoutServers = System.Text.RegularExpressions.Regex.Replace(yaml, @"^servers:\n(?:  .*\n)+", "", System.Text.RegularExpressions.RegexOptions.Multiline);
        Assert.NotEqual(yaml, withoutServers);
        await File.WriteAllTextAsync(broken, withoutServers);
        try
        {
            Assert.Contains(await RedoclyAsync(broken), p => p.Contains("no-empty-servers", StringComparison.Ordinal));
            Assert.Contains(await SpectralAsync(broken), p => p.Contains("oas3-api-servers", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(broken);
        }
    }

    private static async Task<List<string>> RedoclyAsync(string document)
    {
        var output = await RunAsync("redocly", "lint", "--config", "redocly.yaml", "--format", "json", document);
        using var json = JsonDocument.Parse(output);
        return json.RootElement.GetProperty("problems").EnumerateArray()
            .Select(p => $"{p.GetProperty("ruleId").GetString()}: {p.GetProperty("message").GetString()}")
            .ToList();
    }

    private static async Task<List<string>> SpectralAsync(string document)
    {
        var output = await RunAsync("spectral", "lint", "--ruleset", ".spectral.yaml", "--format", "json", "--quiet", document);
        // With --quiet and no findings Spectral prints nothing at all.
        using var json = JsonDocument.Parse(string.IsNullOrWhiteSpace(output) ? "[]" : output);
        return json.RootElement.EnumerateArray()
            .Select(p => $"{p.GetProperty("code").GetString()}: {p.GetProperty("message").GetString()} at {string.Join('.', p.GetProperty("path").EnumerateArray())}")
            .ToList();
    }

    private static async Task<string> RunAsync(string tool, params string[] arguments)
    {
        var folder = RepositoryRoot.NodeTools(tool == "redocly" ? "@redocly/cli" : "@stoplight/spectral-cli");
        var start = new ProcessStartInfo(Path.Combine(folder, "node_modules", ".bin", tool))
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        // No telemetry and no update check from the linters (the network beyond npm is closed here anyway).
        start.Environment["REDOCLY_TELEMETRY"] = "off";
        start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
        var output = await stdout;
        Assert.True(output.TrimStart().StartsWith('[') || output.TrimStart().StartsWith('{') || output.Length == 0,
            $"{tool} exited with {process.ExitCode} without a report: {await stderr}");
        return output;
    }
}
