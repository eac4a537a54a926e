using Microsoft.OpenApi;
using PhotoApi.Data;
using PhotoApi.OpenApi;
using Swashbuckle.AspNetCore.Swagger;

namespace PhotoApi.Hosting;

/// <summary>
/// What the process does: serve (default), <c>migrate</c> (apply migrations and exit), <c>rotate-keys</c> (add the next
/// version of the keys shared through the database, and exit), <c>openapi FILE</c> (write the document).
/// </summary>
public static class Commands
{
    public static async Task<int> RunAsync(this WebApplication app, string[] args)
    {
        // A command is the first argument; options such as --urls belong to the host.
        var command = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : null;
        switch (command)
        {
            case "migrate":
                await app.MigrateAsync();
                return 0;
            case "rotate-keys":
                // Every instance reads the new keys within SharedKeys__RefreshInterval and signs with them after two.
                await app.Services.GetRequiredService<SharedKeys>().RotateAsync(app.Lifetime.ApplicationStopping);
                return 0;
            case "openapi" when args.Length == 2:
                await WriteOpenApiAsync(app, args[1]);
                return 0;
            case null:
                await app.MigrateIfConfiguredAsync();
                await app.RunAsync();
                return 0;
            default:
                await Console.Error.WriteLineAsync($"Unknown command '{command}'. Use no argument to serve, 'migrate', 'rotate-keys', or 'openapi <file>'.");
                return 2;
        }
    }

    // Endpoints reach the API explorer only once the pipeline is built, so the app starts (on a throwaway loopback port).
    private static async Task WriteOpenApiAsync(WebApplication app, string path)
    {
        app.Urls.Add("http://127.0.0.1:0");
        await app.StartAsync();
        await File.WriteAllTextAsync(path, await OpenApiYamlAsync(app.Services));
        await app.StopAsync();
    }

    /// <summary>The OpenAPI document as YAML, exactly as /swagger/v1/swagger.yaml serves it (openapi.yaml is this output).</summary>
    public static async Task<string> OpenApiYamlAsync(IServiceProvider services)
    {
        var document = services.GetRequiredService<ISwaggerProvider>().GetSwagger(OpenApiSetup.DocumentName);
        return await document.SerializeAsYamlAsync(OpenApiSetup.DocumentVersion);
    }
}
