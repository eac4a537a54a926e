using PhotoApi.Configuration;

namespace PhotoApi.Photos;

/// <summary>The <c>Photos__*</c> settings.</summary>
public sealed class PhotosOptions
{
    public const string Section = "Photos";

    /// <summary>Largest accepted photo content, in bytes (default 25 MiB).</summary>
    public long MaxContentBytes { get; set; } = 25L * 1024 * 1024;
}

internal sealed class PhotosRules : SettingsRules<PhotosOptions>
{
    protected override IEnumerable<string> Broken(PhotosOptions o)
    {
        if (o.MaxContentBytes is < 1 or > 1L << 32)
        {
            yield return "Photos__MaxContentBytes must be between 1 and 4 GiB.";
        }
    }
}
