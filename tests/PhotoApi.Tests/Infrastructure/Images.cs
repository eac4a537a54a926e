using System.Security.Cryptography;

namespace PhotoApi.Tests.Infrastructure;

/// <summary>Image bodies for upload tests: the real signature of each format followed by deterministic bytes.</summary>
public static class Images
{
    public static byte[] Png(int size, int seed = 1) => WithSignature([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], size, seed);

    public static byte[] Jpeg(int size, int seed = 2) => WithSignature([0xFF, 0xD8, 0xFF, 0xE0], size, seed);

    public static byte[] Gif(int size, int seed = 3) => WithSignature("GIF89a"u8.ToArray(), size, seed);

    public static byte[] Webp(int size, int seed = 4)
    {
        var bytes = WithSignature("RIFF\0\0\0\0WEBP"u8.ToArray(), size, seed);
        return bytes;
    }

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    public static ByteArrayContent Content(byte[] bytes, string contentType)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        return content;
    }

    private static byte[] WithSignature(byte[] signature, int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        signature.CopyTo(bytes, 0);
        return bytes;
    }
}
