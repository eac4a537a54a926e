using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using PhotoApi.DevIssuer.Configuration;

namespace PhotoApi.DevIssuer.Keys;

/// <summary>
/// The one signing key, shared by OpenIddict and /dev/tokens. Generated on first start and kept
/// as a PKCS#8 PEM file so tokens stay valid across restarts; the kid is the RFC 7638 thumbprint,
/// so it is stable without being stored.
/// </summary>
public sealed class IssuerSigningKey
{
    private IssuerSigningKey(SigningCredentials credentials, string path)
    {
        Credentials = credentials;
        FilePath = path;
    }

    public SigningCredentials Credentials { get; }

    public string KeyId => Credentials.Key.KeyId;

    public string FilePath { get; }

    public static IssuerSigningKey LoadOrCreate(string directory, string algorithm)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"signing-key-{algorithm.ToLowerInvariant()}.pem");
        if (!File.Exists(path))
        {
            WriteNewKey(path, algorithm);
        }

        var pem = File.ReadAllText(path);
        AsymmetricSecurityKey key = algorithm switch
        {
            SecurityAlgorithms.EcdsaSha256 => LoadEcdsa(pem),
            SecurityAlgorithms.RsaSha256 => LoadRsa(pem),
            _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Use ES256 or RS256."),
        };
        key.KeyId = Base64UrlEncoder.Encode(key.ComputeJwkThumbprint());
        return new IssuerSigningKey(new SigningCredentials(key, algorithm), path);
    }

    public static IssuerSigningKey FromOptions(DevIssuerOptions options, string contentRoot) =>
        LoadOrCreate(ResolveDirectory(options.KeyDirectory, contentRoot), options.SigningAlgorithm);

    /// <summary>Explicit folder (relative to the content root), else &lt;repo&gt;/.data/dev-issuer, git-ignored.</summary>
    public static string ResolveDirectory(string? configured, string contentRoot)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return Path.GetFullPath(configured, contentRoot);
        }

        var repoRoot = FindRepositoryRoot(contentRoot) ?? contentRoot;
        return Path.Combine(repoRoot, ".data", "dev-issuer");
    }

    private static string? FindRepositoryRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PhotoApi.sln")))
            {
                return dir.FullName;
            }
        }

        return null;
    }

    private static void WriteNewKey(string path, string algorithm)
    {
        string pem;
        if (algorithm == SecurityAlgorithms.EcdsaSha256)
        {
            using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            pem = ecdsa.ExportPkcs8PrivateKeyPem();
        }
        else
        {
            using var rsa = RSA.Create(2048);
            pem = rsa.ExportPkcs8PrivateKeyPem();
        }

        // Write-then-move so a second process starting at the same moment never reads half a key.
        var temp = $"{path}.{Guid.NewGuid():N}.tmp";
        File.WriteAllText(temp, pem);
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
            File.Delete(temp); // Someone else won the race; use their key.
        }
    }

    private static ECDsaSecurityKey LoadEcdsa(string pem)
    {
        var ecdsa = ECDsa.Create(); // Lives as long as the process: the key is a singleton.
        ecdsa.ImportFromPem(pem);
        return new ECDsaSecurityKey(ecdsa);
    }

    private static RsaSecurityKey LoadRsa(string pem)
    {
        var rsa = RSA.Create();
        rsa.ImportFromPem(pem);
        return new RsaSecurityKey(rsa);
    }
}

public static class SigningKeyServiceCollectionExtensions
{
    public static WebApplicationBuilder AddDevIssuerSigningKey(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(services => IssuerSigningKey.FromOptions(
            services.GetRequiredService<IOptions<DevIssuerOptions>>().Value,
            services.GetRequiredService<IWebHostEnvironment>().ContentRootPath));
        return builder;
    }
}
