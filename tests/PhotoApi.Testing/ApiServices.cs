using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace PhotoApi.Testing;

/// <summary>
/// The API's registrations without its server, for start-up checks and in-process benchmarks: a slim builder on the given
/// settings, to which the caller adds the features under test (<c>builder.AddPhotoApiAuth()</c> ...).
/// </summary>
public static class ApiServices
{
    /// <summary>What an API trusting a loopback development issuer needs: its authority over plain HTTP, and a resource URI.</summary>
    public static Dictionary<string, string?> LoopbackAuth(string? authority = "http://127.0.0.1:5001", string resourceUri = "http://localhost:5000") => new()
    {
        ["Auth:Authority"] = authority,
        ["Auth:RequireHttpsMetadata"] = "false",
        ["Auth:ResourceUri"] = resourceUri,
    };

    /// <param name="settings">The configuration; a null value leaves the key out.</param>
    public static WebApplicationBuilder Builder(IDictionary<string, string?> settings, string? environment = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = environment, ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(settings.Where(s => s.Value is not null));
        return builder;
    }

    /// <summary>
    /// Runs the validation the host runs at start-up (ValidateOnStart registers it as the start-up validator) and returns its
    /// message, every failing section's when several fail. In-process rather than through WebApplicationFactory, whose
    /// deferred host can report an ObjectDisposedException instead of the real error when start-up fails fast.
    /// </summary>
    public static string StartUpError(WebApplicationBuilder builder)
    {
        using var app = builder.Build();
        var error = Assert.ThrowsAny<Exception>(() => app.Services.GetRequiredService<IStartupValidator>().Validate());
        var failures = error is AggregateException all ? [.. all.InnerExceptions] : new[] { error };
        Assert.All(failures, failure => Assert.IsType<OptionsValidationException>(failure));
        return string.Join("\n", failures.Select(f => f.Message));
    }
}
