using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using PhotoApi.Data;

namespace PhotoApi.Auth;

/// <summary>
/// Server-provided DPoP nonces (RFC 9449 §8, §9) without state: a nonce is the number of the current time window and an
/// HMAC of it under <see cref="DpopOptions.NonceKey"/>, or, when that is not set, under keys every instance shares through
/// the database (<see cref="SharedKeys"/>, purpose "dpop-nonce"), so every instance accepts every other's nonces.
/// A nonce of the current or the previous window is accepted: it stays good between one and two <see cref="DpopOptions.NonceLifetime"/>s.
/// </summary>
public sealed class DpopNonce
{
    public const string Purpose = "dpop-nonce";

    private const int WindowBytes = 8;
    private const int MacBytes = 16;

    private readonly Func<KeySet> _keys;
    private readonly long _windowTicks;
    private readonly TimeProvider _time;

    public DpopNonce(IOptions<AuthOptions> options, TimeProvider time, SharedKeys? shared = null)
    {
        var dpop = options.Value.Dpop;
        _windowTicks = dpop.NonceLifetime.Ticks;
        _time = time;
        Required = dpop.Enabled && dpop.RequireNonce;
        if (dpop.NonceKey is { Length: > 0 } key)
        {
            var keys = KeySet.Fixed(Convert.FromBase64String(key));
            _keys = () => keys;
        }
        else if (Required && shared is not null)
        {
            _keys = () => shared.Current(Purpose);
        }
        else
        {
            // Nonces off: a random key keeps Issue/Check meaningful for this instance alone.
            var keys = KeySet.Fixed(RandomNumberGenerator.GetBytes(32));
            _keys = () => keys;
        }
    }

    /// <summary>Whether the key comes from the database: nonces required and <c>Auth__Dpop__NonceKey</c> not set.</summary>
    public static bool KeyFromDatabase(DpopOptions dpop) => dpop.Enabled && dpop.RequireNonce && string.IsNullOrEmpty(dpop.NonceKey);

    private KeySet Keys => _keys();

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
        var verified = false;
        foreach (var key in Keys.Verifying)
        {
            HMACSHA256.HashData(key, bytes[..WindowBytes], mac);
            verified |= CryptographicOperations.FixedTimeEquals(mac[..MacBytes], bytes.Slice(WindowBytes, MacBytes));
        }
        if (!verified)
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
        HMACSHA256.HashData(Keys.Signing, bytes[..WindowBytes], bytes[WindowBytes..]);
        return Base64Url.EncodeToString(bytes[..(WindowBytes + MacBytes)]);
    }
}
