using System.ComponentModel.DataAnnotations;

namespace PhotoApi.Photos;

/// <summary>The <c>Photos__*</c> settings.</summary>
public sealed class PhotosOptions
{
    public const string Section = "Photos";

    /// <summary>Largest accepted photo content, in bytes (default 25 MiB).</summary>
    [Range(1, 1L << 32, ErrorMessage = "Photos__MaxContentBytes must be between 1 and 4 GiB.")]
    public long MaxContentBytes { get; set; } = 25L * 1024 * 1024;
}
