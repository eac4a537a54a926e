using System.Diagnostics;
using PhotoApi.Tests.Infrastructure;

namespace PhotoApi.Tests.Platform;

/// <summary>
/// A developer who runs a script on a machine without one of its system packages is told what is missing and how to get
/// it, and nothing starts; the scripts install packages only when asked (--install or PHOTOAPI_INSTALL=1, as CI does).
/// </summary>
public sealed class ScriptPackageTests : IDisposable
{
    private readonly string _scratch = Path.Combine(Path.GetTempPath(), $"photoapi-script-{Guid.NewGuid():N}");

    public ScriptPackageTests() => Directory.CreateDirectory(_scratch);

    [Fact]
    public async Task RedisScript_WithoutRedisInstalled_NamesThePackage_AndStartsNothing()
    {
        // A machine without redis-server: a PATH holding every command of this one except the Redis binaries.
        var bin = Directory.CreateDirectory(Path.Combine(_scratch, "bin")).FullName;
        foreach (var folder in new[] { "/usr/local/bin", "/usr/bin", "/bin" }.Where(Directory.Exists))
        {
            foreach (var command in Directory.EnumerateFileSystemEntries(folder))
            {
                var name = Path.GetFileName(command);
                if (!name.StartsWith("redis-", StringComparison.Ordinal) && !File.Exists(Path.Combine(bin, name)) && !Directory.Exists(command))
                {
                    File.CreateSymbolicLink(Path.Combine(bin, name), command);
                }
            }
        }
        var data = Path.Combine(_scratch, "redis");
        var port = FreePort.Next();

        var (exitCode, error) = await RunAsync(RepositoryRoot.File("scripts", "redis.sh"), ["start", data, port.ToString(System.Globalization.CultureInfo.InvariantCulture)], bin);

        Assert.Equal(1, exitCode);
        Assert.Contains("Missing system packages (nothing was started)", error, StringComparison.Ordinal);
        Assert.Contains("apt-get install -y redis-server", error, StringComparison.Ordinal);
        Assert.Contains("re-run with --install", error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(data, "redis.conf")), "redis.sh wrote a configuration although it could not run Redis.");
        Assert.False(File.Exists(Path.Combine(data, "redis.pid")), "redis.sh started something.");
    }

    [Fact]
    public async Task MissingPackages_AreListedInOneMessage_WithOneInstallCommand()
    {
        var script = $". '{RepositoryRoot.File("scripts", "common.sh")}'; "
            + "need_package no-such-command-photoapi-1 photoapi-missing-one 'the first reason'; "
            + "need_package /no/such/photoapi/path-* photoapi-missing-two 'the second reason'; "
            + "need_package bash bash 'present, so not listed'; "
            + "require_packages; echo still running";

        var (exitCode, error) = await RunAsync("/bin/bash", ["-c", script], path: null);

        Assert.Equal(1, exitCode);
        Assert.Contains("photoapi-missing-one: the first reason", error, StringComparison.Ordinal);
        Assert.Contains("photoapi-missing-two: the second reason", error, StringComparison.Ordinal);
        Assert.Contains("apt-get install -y photoapi-missing-one photoapi-missing-two\n", error, StringComparison.Ordinal);
        Assert.DoesNotContain("bash:", error, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    /// <summary>Runs a script without PHOTOAPI_INSTALL (and with <paramref name="path"/> as PATH when given); its exit code and stderr.</summary>
    private static async Task<(int ExitCode, string Error)> RunAsync(string file, string[] arguments, string? path)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment.Remove("PHOTOAPI_INSTALL");
        if (path is not null)
        {
            start.Environment["PATH"] = path;
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.DoesNotContain("still running", await output, StringComparison.Ordinal);
        return (process.ExitCode, await error);
    }
}
