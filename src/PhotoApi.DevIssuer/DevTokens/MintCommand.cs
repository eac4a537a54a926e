using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using PhotoApi.DevIssuer.Configuration;
using PhotoApi.DevIssuer.Keys;

namespace PhotoApi.DevIssuer.DevTokens;

/// <summary>
/// <c>dotnet run --project src/PhotoApi.DevIssuer -- mint --sub alice --scope "photos.read"</c>:
/// prints one token signed with the persisted key, without starting the server.
/// </summary>
public static class MintCommand
{
    private const string Usage =
        "usage: mint --sub SUBJECT [--scope \"photos.read photos.write\"] [--name NAME] [--email EMAIL] "
        + "[--lifetime SECONDS] [--acr ACR] [--auth-time UNIX_SECONDS] [--client-id ID] [--audience AUD] "
        + "[--jkt DPOP_KEY_THUMBPRINT] [--x5t-s256 CERTIFICATE_THUMBPRINT]";

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] is "-h" or "--help")
            {
                stdout.WriteLine(Usage);
                return 0;
            }

            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                stderr.WriteLine($"mint: unexpected argument '{args[i]}'.");
                stderr.WriteLine(Usage);
                return 2;
            }

            values[args[i][2..]] = args[++i];
        }

        var known = new[] { "sub", "scope", "name", "email", "lifetime", "acr", "auth-time", "client-id", "audience", "jkt", "x5t-s256" };
        var unknown = values.Keys.Except(known).ToList();
        if (unknown.Count > 0)
        {
            stderr.WriteLine($"mint: unknown option(s) {string.Join(", ", unknown.Select(u => "--" + u))}.");
            stderr.WriteLine(Usage);
            return 2;
        }

        // Same configuration sources as the server (appsettings, environment), but no host is started.
        var builder = WebApplication.CreateBuilder();
        var options = builder.Configuration.GetSection(DevIssuerOptions.SectionName).Get<DevIssuerOptions>() ?? new DevIssuerOptions();
        var invalid = new DevIssuerOptionsValidator().Validate(null, options);
        if (invalid.Failed)
        {
            stderr.WriteLine($"mint: configuration is invalid: {invalid.FailureMessage}");
            return 1;
        }

        var request = new DevTokenRequest(
            Subject: values.GetValueOrDefault("sub"),
            Name: values.GetValueOrDefault("name"),
            Email: values.GetValueOrDefault("email"),
            Scopes: values.TryGetValue("scope", out var scope) ? JsonSerializer.SerializeToElement(scope) : null,
            LifetimeSeconds: ParseNumber(values, "lifetime", stderr, out var lifetimeOk) is long lifetime ? (int)Math.Clamp(lifetime, int.MinValue, int.MaxValue) : null,
            ClientId: values.GetValueOrDefault("client-id"),
            Acr: values.GetValueOrDefault("acr"),
            AuthTime: ParseNumber(values, "auth-time", stderr, out var authTimeOk),
            Audience: values.GetValueOrDefault("audience"),
            IssuedAt: null,
            Jkt: values.GetValueOrDefault("jkt"),
            X5tS256: values.GetValueOrDefault("x5t-s256"));
        if (!lifetimeOk || !authTimeOk)
        {
            return 2;
        }

        var defaults = new DevTokenDefaults(
            Issuer: IssuerUri.ForCommandLine(options, builder.Configuration),
            Audience: options.Audience,
            Lifetime: options.AccessTokenLifetime,
            Now: DateTimeOffset.UtcNow);
        var (spec, errors) = DevTokenValidation.Validate(request, defaults, new DemoUsers(Options.Create(options)));
        if (spec is null)
        {
            foreach (var (field, messages) in errors)
            {
                stderr.WriteLine($"mint: {field}: {string.Join(" ", messages)}");
            }

            return 2;
        }

        var signingKey = IssuerSigningKey.FromOptions(options, builder.Environment.ContentRootPath);
        stdout.WriteLine(new DevTokenMinter(signingKey).Mint(spec));
        return 0;
    }

    private static long? ParseNumber(Dictionary<string, string> values, string name, TextWriter stderr, out bool ok)
    {
        ok = true;
        if (!values.TryGetValue(name, out var text))
        {
            return null;
        }

        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number))
        {
            return number;
        }

        stderr.WriteLine($"mint: --{name} must be a whole number, got '{text}'.");
        ok = false;
        return null;
    }
}
