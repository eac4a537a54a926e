namespace PhotoApi.Photos.Content;

/// <summary>An accepted image type and the magic bytes its files start with.</summary>
public sealed record ImageFormat(string MediaType, int MinimumLength, Func<ReadOnlyMemory<byte>, bool> HasSignature)
{
    public static readonly ImageFormat Jpeg = new("image/jpeg", 3, b => b.Span.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]));
    public static readonly ImageFormat Png = new("image/png", 8, b => b.Span.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]));
    public static readonly ImageFormat Gif = new("image/gif", 6, b => b.Span.StartsWith("GIF87a"u8) || b.Span.StartsWith("GIF89a"u8));
    public static readonly ImageFormat Webp = new("image/webp", 12, b => b.Span.StartsWith("RIFF"u8) && b.Span[8..12].SequenceEqual("WEBP"u8));

    public static readonly IReadOnlyList<ImageFormat> All = [Jpeg, Png, Gif, Webp];

    public static IReadOnlyList<string> MediaTypes { get; } = All.Select(f => f.MediaType).ToArray();

    /// <summary>The format a Content-Type header declares, parameters ignored; null when it is not an accepted image type.</summary>
    public static ImageFormat? FromContentType(string? contentType)
    {
        var mediaType = contentType?.Split(';', 2)[0].Trim();
        return All.FirstOrDefault(f => string.Equals(f.MediaType, mediaType, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Whether the first bytes of a file are this format's signature.</summary>
    public bool Matches(ReadOnlyMemory<byte> head) => head.Length >= MinimumLength && HasSignature(head);
}
