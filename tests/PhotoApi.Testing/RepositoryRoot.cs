namespace PhotoApi.Testing;

/// <summary>The repository the tests run from (the folder holding PhotoApi.sln), and the places in it tests use.</summary>
public static class RepositoryRoot
{
    private static readonly Lazy<string> Found = new(() =>
        Above(AppContext.BaseDirectory) ?? throw new InvalidOperationException("PhotoApi.sln not found above " + AppContext.BaseDirectory));

    public static string Path => Found.Value;

    public static string File(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <summary>tests/interop, with its node_modules (scripts/test.sh runs npm ci there).</summary>
    public static string NodeTools(string package)
    {
        var folder = File("tests", "interop");
        Assert.True(Directory.Exists(System.IO.Path.Combine(folder, "node_modules", package)), $"{package} is missing: run `npm ci` in tests/interop (scripts/test.sh does).");
        return folder;
    }

    /// <summary>The folder holding PhotoApi.sln at or above <paramref name="start"/>, or null outside the repository.</summary>
    public static string? Above(string start)
    {
        for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
        {
            if (System.IO.File.Exists(System.IO.Path.Combine(directory.FullName, "PhotoApi.sln")))
            {
                return directory.FullName;
            }
        }
        return null;
    }
}
