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
    /// Builds the host and runs the validation it runs at start-up (ValidateOnStart registers it as the start-up validator);
    /// the failure, an AggregateException when several sections fail. Options the host reads while it is built fail in
    /// Build(). In-process rather than through WebApplicationFactory, whose deferred host can report an
    /// ObjectDisposedException instead of the real error when start-up fails fast.
    /// </summary>
    public static Exception StartUpFailure(WebApplicationBuilder builder) => Assert.ThrowsAny<Exception>(() =>
    {
        using var app = builder.Build();
        app.Services.GetRequiredService<IStartupValidator>().Validate();
    });

    /// <summary>The message of <see cref="StartUpFailure"/>: every failing section's.</summary>
    public static string StartUpError(WebApplicationBuilder builder)
    {
        var error = StartUpFailure(builder);
        return error is AggregateException all ? string.Join("\n", all.InnerExceptions.Select(e => e.Message)) : error.Message;
    }
}
