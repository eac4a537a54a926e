using Microsoft.Extensions.Options;

namespace PhotoApi.DevIssuer.Configuration;

public static class DevIssuerConfiguration
{
    /// <summary>Binds <see cref="DevIssuerOptions"/> lazily (test hosts can override it) and fails start-up on mistakes.</summary>
    public static WebApplicationBuilder AddDevIssuerOptions(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<DevIssuerOptions>()
            .BindConfiguration(DevIssuerOptions.SectionName)
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<DevIssuerOptions>, DevIssuerOptionsValidator>();
        builder.Services.AddSingleton<DemoUsers>();
        builder.Services.AddSingleton(TimeProvider.System);
        return builder;
    }
}

/// <summary>The demo users from configuration; a dev tool needs no passwords.</summary>
public sealed class DemoUsers(IOptions<DevIssuerOptions> options)
{
    public IReadOnlyList<DemoUserOptions> All => options.Value.Users.AsReadOnly();

    public DemoUserOptions? Find(string? subject) =>
        options.Value.Users.FirstOrDefault(user => string.Equals(user.Subject, subject, StringComparison.Ordinal));
}
