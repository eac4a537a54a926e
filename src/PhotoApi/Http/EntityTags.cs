using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace PhotoApi.Http;

/// <summary>What an If-Match header asks for (RFC 9110 §13.1.1).</summary>
public sealed record IfMatch(bool Any, IReadOnlyList<long> Versions)
{
    /// <summary>No If-Match header: the change is unconditional.</summary>
    public static readonly IfMatch Absent = new(true, []);
}

/// <summary>Strong ETags for versioned resources: <c>"&lt;version&gt;"</c>.</summary>
public static class EntityTags
{
    public static string ForVersion(long version) => $"\"{version.ToString(System.Globalization.CultureInfo.InvariantCulture)}\"";

    /// <summary>Parses If-Match; null when the header is malformed.</summary>
    public static IfMatch? ParseIfMatch(StringValues header)
    {
        if (StringValues.IsNullOrEmpty(header))
        {
            return IfMatch.Absent;
        }
        if (!EntityTagHeaderValue.TryParseStrictList(header, out var tags))
        {
            return null;
        }
        if (tags.Any(t => t.Equals(EntityTagHeaderValue.Any)))
        {
            return new IfMatch(true, []);
        }
        // If-Match uses the strong comparison: a weak tag never matches.
        var versions = tags
            .Where(t => !t.IsWeak)
            .Select(t => long.TryParse(t.Tag.AsSpan().Trim('"'), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : -1)
            .Where(v => v >= 0)
            .ToList();
        return new IfMatch(false, versions);
    }
}
