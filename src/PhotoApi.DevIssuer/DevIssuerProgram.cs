using System.Reflection;
using Microsoft.Extensions.Options;
using PhotoApi.DevIssuer.Account;
using PhotoApi.DevIssuer.Configuration;
using PhotoApi.DevIssuer.DevTokens;
using PhotoApi.DevIssuer.Hosting;
using PhotoApi.DevIssuer.Keys;
using PhotoApi.DevIssuer.Protocol;

namespace PhotoApi.DevIssuer;

/// <summary>
/// Entry point. Not top-level statements: the test project references this and the API, and two
/// global Program classes would clash. Not static, so it can be WebApplicationFactory's type argument.
/// </summary>
public sealed class DevIssuerProgram
{
    private DevIssuerProgram()
    {
    }

    public static int Main(string[] args)
    {
        if (args is ["mint", .. var mintArgs])
        {
            return MintCommand.Run(mintArgs, Console.Out, Console.Error);
        }

        try
        {
            Build(args).Run();
            return 0;
        }
        // Only when we own the process: a test host (WebApplicationFactory) must see the exception itself.
        catch (OptionsValidationException ex) when (Assembly.GetEntryAssembly() == typeof(DevIssuerProgram).Assembly)
        {
            Console.Error.WriteLine($"Dev issuer configuration is invalid:{Environment.NewLine}  {string.Join($"{Environment.NewLine}  ", ex.Failures)}");
            return 1;
        }
    }

    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.UseDevIssuerDefaultUrl();
        builder.AddDevIssuerOptions();
        builder.AddDevIssuerSigningKey();
        builder.AddDevIssuerEncryptionKey();
        builder.AddDevIssuerProtocol();
        builder.AddDevIssuerTlsClientAuthentication();
        builder.AddDevIssuerAccount();
        builder.AddDevIssuerCors();
        builder.AddDevTokens();
        builder.Services.AddProblemDetails();
        builder.Services.AddHealthChecks();

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseDevIssuerCors();
        app.UseAuthentication();

        app.MapHealthChecks("/health");
        app.MapHome();
        app.MapAccount();
        app.MapAllowedApps();
        app.MapAuthorize();
        app.MapToken();
        app.MapUserInfo();
        app.MapDeviceVerification();
        app.MapDevTokens();
        return app;
    }
}
