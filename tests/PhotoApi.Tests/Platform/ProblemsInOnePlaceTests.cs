using System.Text.RegularExpressions;

namespace PhotoApi.Tests.Platform;

/// <summary>
/// The README's promise that problem bodies and Retry-After are built in one place (Http/Problems.cs): the same situation
/// always reads the same, and a new 503 cannot forget its Retry-After.
/// </summary>
public sealed class ProblemsInOnePlaceTests
{
    [Fact]
    public void NoFileButHttpProblems_BuildsAProblemBodyOrSetsRetryAfter()
    {
        var builds = new Regex(@"new ProblemDetails\b|Headers\.RetryAfter\b|\.RetryAfter\s*=");
        var problems = RepositoryRoot.File("src", "PhotoApi", "Http", "Problems.cs");

        var offenders = Directory.EnumerateFiles(RepositoryRoot.File("src", "PhotoApi"), "*.cs", SearchOption.AllDirectories)
            .Where(file => !file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Where(file => file != problems && builds.IsMatch(File.ReadAllText(file)))
            .Select(file => Path.GetRelativePath(RepositoryRoot.Path, file))
            .ToList();

        Assert.Empty(offenders);
        Assert.Matches(builds, File.ReadAllText(problems));
    }
}
