using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using PhotoApi.Configuration;
using PhotoApi.Data;

namespace PhotoApi.Http;

/// <summary>Where a keyset page ends: the sort key of its last row.</summary>
public readonly record struct PageCursor(DateTime CreatedAt, Guid Id);

/// <summary>
/// Opaque, tamper-evident page tokens: base64url(version | createdAt | id | HMAC-SHA256/128).
/// The MAC also covers a context (the list and its owner) that is not in the token, so a token from another
/// user or another list fails verification. Hand-written rather than Data Protection: 53 bytes, no encryption needed
/// (the cursor is not secret, only its integrity matters), and it is on the hot path of every list call.
/// </summary>
public sealed class PageToken(PagingKey key)
{
    private const byte Version = 1;
    private const int PayloadLength = 1 + 8 + 16;
    private const int MacLength = 16;
    private const int TokenLength = PayloadLength + MacLength;

    public string Encode(string context, PageCursor cursor)
    {
        Span<byte> token = stackalloc byte[TokenLength];
        token[0] = Version;
        BinaryPrimitives.WriteInt64BigEndian(token[1..], cursor.CreatedAt.ToUniversalTime().Ticks);
        cursor.Id.TryWriteBytes(token[9..], bigEndian: true, out _);
        Sign(key.Keys.Signing, context, token[..PayloadLength], token[PayloadLength..]);
        // One string allocated (was three or four: 272-408 B per call, docs/performance.md, PageToken.Encode); same characters as before.
        return Base64Url.EncodeToString(token);
    }

    public bool TryDecode(string? value, string context, out PageCursor cursor)
    {
        cursor = default;
        // base64url of 41 bytes is 55 characters; anything else is not ours.
        if (value is null || value.Length != 55)
        {
            return false;
        }

        Span<char> padded = stackalloc char[56];
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            padded[i] = c switch
            {
                '-' => '+',
                '_' => '/',
                '+' or '/' or '=' => '\0',
                _ => c,
            };
        }
        padded[55] = '=';

        Span<byte> token = stackalloc byte[TokenLength + 2];
        if (!Convert.TryFromBase64Chars(padded, token, out var written) || written != TokenLength || token[0] != Version)
        {
            return false;
        }

        // Any key that still verifies (a rotated-out one during its overlap, one added and not yet signing).
        Span<byte> expected = stackalloc byte[MacLength];
        var verified = false;
        foreach (var verifying in key.Keys.Verifying)
        {
            Sign(verifying, context, token[..PayloadLength], expected);
            verified |= CryptographicOperations.FixedTimeEquals(expected, token.Slice(PayloadLength, MacLength));
        }
        if (!verified)
        {
            return false;
        }

        var ticks = BinaryPrimitives.ReadInt64BigEndian(token[1..]);
        if (ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks)
        {
            return false;
        }
        cursor = new PageCursor(new DateTime(ticks, DateTimeKind.Utc), new Guid(token.Slice(9, 16), bigEndian: true));
        return true;
    }

    private static void Sign(byte[] secret, string context, ReadOnlySpan<byte> payload, Span<byte> mac)
    {
        var contextLength = Encoding.UTF8.GetByteCount(context);
        Span<byte> data = contextLength <= 256 ? stackalloc byte[contextLength + 1 + payload.Length] : new byte[contextLength + 1 + payload.Length];
        Encoding.UTF8.GetBytes(context, data);
        data[contextLength] = 0;
        payload.CopyTo(data[(contextLength + 1)..]);
        Span<byte> full = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(secret, data, full);
        full[..MacLength].CopyTo(mac);
    }
}

/// <summary>The <c>Paging__*</c> settings.</summary>
public sealed class PagingOptions
{
    public const string Section = "Paging";

    /// <summary>Base64 of 32+ random bytes; unset: a key generated once and shared through the database.</summary>
    public string? TokenKey { get; set; }

    /// <summary>The configured key's bytes, or null when none is configured or it is not base64 of 32+ bytes.</summary>
    internal byte[]? KeyBytes()
    {
        if (string.IsNullOrWhiteSpace(TokenKey))
        {
            return null;
        }
        var bytes = new byte[TokenKey.Length];
        return Convert.TryFromBase64String(TokenKey, bytes, out var length) && length >= 32 ? bytes[..length] : null;
    }
}

internal sealed class PagingRules : SettingsRules<PagingOptions>
{
    protected override IEnumerable<string> Broken(PagingOptions o)
    {
        if (!string.IsNullOrWhiteSpace(o.TokenKey) && o.KeyBytes() is null)
        {
            yield return "Paging__TokenKey must be base64 of at least 32 bytes (e.g. openssl rand -base64 32), or unset to share a generated key through the database.";
        }
    }
}

/// <summary>
/// The HMAC keys for page tokens: <c>Paging__TokenKey</c> (base64, 32+ bytes) when set; else keys shared by every instance
/// through the database (<see cref="SharedKeys"/>, purpose "paging"), so a token from one instance works at every other.
/// </summary>
public sealed class PagingKey
{
    public const string Purpose = "paging";

    private readonly Func<KeySet> _keys;

    public PagingKey(IOptions<PagingOptions> options, ILogger<PagingKey> logger, SharedKeys? shared = null)
    {
        if (options.Value.KeyBytes() is { } configured)
        {
            var keys = KeySet.Fixed(configured);
            _keys = () => keys;
        }
        else if (shared is not null)
        {
            _keys = () => shared.Current(Purpose);
        }
        else
        {
            var keys = KeySet.Fixed(RandomNumberGenerator.GetBytes(32));
            _keys = () => keys;
            logger.LogInformation("Paging:TokenKey is not set and no database keys are available; page tokens are signed with a random key of this process.");
        }
    }

    /// <summary>The key to sign with and the keys that verify, now.</summary>
    public KeySet Keys => _keys();
}
