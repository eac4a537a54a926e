using System.Diagnostics;

namespace PhotoApi.Tests.Infrastructure;

/// <summary>The API as a real process (`dotnet PhotoApi.dll`), for what only a process shows: start-up refusal, signals.</summary>
public static class ApiProcess
{
    /// <summary>Starts the API's own build output (built as a dependency of the tests, in their configuration).</summary>
    public static Process Start(IDictionary<string, string> environment, params string[] arguments)
    {
        var dll = AssemblyPath();
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = Path.GetDirectoryName(dll)!, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        return Process.Start(start)!;
    }

    /// <summary>Polls <paramref name="path"/> until it answers 2xx; false when it has not within 30 s.</summary>
    public static async Task<bool> AnswersAsync(Uri baseAddress, string path)
    {
        using var probe = new HttpClient { BaseAddress = baseAddress };
        for (var i = 0; i < 150; i++)
        {
            try
            {
                if ((await probe.GetAsync(path)).IsSuccessStatusCode)
                {
                    return true;
                }
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(200);
        }
        return false;
    }

    private static string AssemblyPath()
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var path = RepositoryRoot.File("src", "PhotoApi", "bin", configuration, "net10.0", "PhotoApi.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException("Build src/PhotoApi first.", path);
    }
}
