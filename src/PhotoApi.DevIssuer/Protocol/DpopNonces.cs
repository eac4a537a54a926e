using System.Buffers.Binary;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using PhotoApi.DevIssuer.Configuration;

namespace PhotoApi.DevIssuer.Protocol;

/// <summary>
/// RFC 9449 §8: server-provided nonces at the token endpoint, when <c>DevIssuer:RequireDpopNonce</c> is on. Stateless: a nonce
/// is a time window and its HMAC under a key made at start-up; the current and the previous window are accepted.
/// </summary>
public sealed class DpopNonces(IOptions<DevIssuerOptions> options, TimeProvider time)
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(5);
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);

    public bool Required => options.Value.RequireDpopNonce;

    /// <summary>The nonce to hand out now (§8.1: in the DPoP-Nonce header).</summary>
    public string Current() => Make(WindowOf(time.GetUtcNow()));

    public bool Check(string nonce)
    {
        var window = WindowOf(time.GetUtcNow());
        return FixedTimeEquals(nonce, Make(window)) || FixedTimeEquals(nonce, Make(window - 1));
    }

    private static long WindowOf(DateTimeOffset now) => now.ToUnixTimeSeconds() / (long)Window.TotalSeconds;

    private string Make(long window)
    {
        Span<byte> counter = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(counter, window);
        return Base64UrlEncoder.Encode(HMACSHA256.HashData(_key, counter));
    }

    private static bool FixedTimeEquals(string a, string b) =>
        a.Length == b.Length && CryptographicOperations.FixedTimeEquals(System.Text.Encoding.ASCII.GetBytes(a), System.Text.Encoding.ASCII.GetBytes(b));
}
