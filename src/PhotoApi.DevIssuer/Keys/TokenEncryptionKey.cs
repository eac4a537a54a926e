using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using PhotoApi.DevIssuer.Configuration;

namespace PhotoApi.DevIssuer.Keys;

/// <summary>
/// The AES key OpenIddict encrypts codes, refresh tokens and device codes with, kept beside the signing key: a restarted
/// issuer must still read the refresh tokens its PostgreSQL store remembers.
/// </summary>
public sealed class TokenEncryptionKey(EncryptingCredentials credentials)
{
    public EncryptingCredentials Credentials { get; } = credentials;

    public static TokenEncryptionKey LoadOrCreate(string directory)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, "token-encryption-key.b64");
        if (!File.Exists(path))
        {
            // Write-then-move, owner-only, like the signing key.
            var temp = $"{path}.{Guid.NewGuid():N}.tmp";
            File.WriteAllText(temp, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            try
            {
                File.Move(temp, path, overwrite: false);
            }
            catch (IOException) when (File.Exists(path))
            {
                File.Delete(temp);
            }
        }

        var key = new SymmetricSecurityKey(Convert.FromBase64String(File.ReadAllText(path).Trim()));
        return new TokenEncryptionKey(new EncryptingCredentials(key, SecurityAlgorithms.Aes256KW, SecurityAlgorithms.Aes256CbcHmacSha512));
    }
}

public static class EncryptionKeyServiceCollectionExtensions
{

    public static WebApplicationBuilder AddDevIssuerEncryptionKey(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(services => TokenEncryptionKey.LoadOrCreate(IssuerSigningKey.ResolveDirectory(
            services.GetRequiredService<IOptions<DevIssuerOptions>>().Value.KeyDirectory,
            services.GetRequiredService<IWebHostEnvironment>().ContentRootPath)));
        return builder;
    }
}
