using System.Text.RegularExpressions;

namespace PhotoApi.Tests.Platform;

/// <summary>A newcomer changing auth or paging never has to read a feature: the shared folders name no feature (README, Layout).</summary>
public sealed class DependencyDirectionTests
{
    [Fact]
    public void SharedFolders_NameNoFeature()
    {
        string[] shared = ["Auth", "Data", "Http", "OpenApi", "Configuration", "Observability", "Traffic"];
        var feature = new Regex(@"PhotoApi\.(Photos|Albums|Users|Admin|Health)\b");

        var offenders = shared
            .SelectMany(folder => Directory.EnumerateFiles(RepositoryRoot.File("src", "PhotoApi", folder), "*.cs", SearchOption.AllDirectories))
            .Where(file => feature.IsMatch(File.ReadAllText(file)))
            .Select(file => Path.GetRelativePath(RepositoryRoot.Path, file))
            .ToList();

        Assert.Empty(offenders);
    }
}
