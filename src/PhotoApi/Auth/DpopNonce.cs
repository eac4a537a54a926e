using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace PhotoApi.Auth;

/// <summary>
/// Server-provided DPoP nonces (RFC 9449 §8, §9) without state: a nonce is the number of the current time window and an
/// HMAC of it under <see cref="DpopOptions.NonceKey"/>, so every instance with the same key accepts every other's nonces.
/// A nonce of the current or the previous window is accepted: it stays good between one and two <see cref="DpopOptions.NonceLifetime"/>s.
/// </summary>
public sealed class DpopNonce
{
    private const int WindowBytes = 8;
    private const int MacBytes = 16;

    private readonly byte[] _key;
    private readonly long _windowTicks;
    private readonly TimeProvider _time;

    public DpopNonce(IOptions<AuthOptions> options, TimeProvider time)
    {
        var dpop = options.Value.Dpop;
        // Without a configured key (nonces off) a random one keeps Issue/Check meaningful for this instance alone.
        _key = dpop.NonceKey is { Length: > 0 } key ? Convert.FromBase64String(key) : RandomNumberGenerator.GetBytes(32);
        _windowTicks = dpop.NonceLifetime.Ticks;
        _time = time;
        Required = dpop.Enabled && dpop.RequireNonce;
    }

    /// <summary>Every proof must carry a current nonce.</summary>
    public bool Required { get; }

    /// <summary>The nonce of the current window, for a <c>DPoP-Nonce</c> header.</summary>
    public string Issue() => Encode(CurrentWindow());

    /// <summary>Whether <paramref name="nonce"/> is one of ours and current; <paramref name="renew"/> when a newer one should be handed out (§8.2).</summary>
    public bool Check(string? nonce, out bool renew)
    {
        renew = false;
        if (string.IsNullOrEmpty(nonce) || nonce.Length > 64)
        {
            return false;
        }
        Span<byte> bytes = stackalloc byte[48];
        if (!Base64Url.TryDecodeFromChars(nonce, bytes, out var written) || written != WindowBytes + MacBytes)
        {
            return false;
        }
        var window = BinaryPrimitives.ReadInt64BigEndian(bytes);
        var current = CurrentWindow();
        if (window != current && window != current - 1)
        {
            return false;
        }
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_key, bytes[..WindowBytes], mac);
        if (!CryptographicOperations.FixedTimeEquals(mac[..MacBytes], bytes.Slice(WindowBytes, MacBytes)))
        {
            return false;
        }
        renew = window != current;
        return true;
    }

    private long CurrentWindow() => _time.GetUtcNow().UtcTicks / _windowTicks;

    private string Encode(long window)
    {
        Span<byte> bytes = stackalloc byte[WindowBytes + HMACSHA256.HashSizeInBytes];
        BinaryPrimitives.WriteInt64BigEndian(bytes, window);
        HMACSHA256.HashData(_key, bytes[..WindowBytes], bytes[WindowBytes..]);
        return Base64Url.EncodeToString(bytes[..(WindowBytes + MacBytes)]);
    }
}
