using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace PhotoApi.Jose;

/// <summary>Reading a JWS's header and payload as JSON, more strictly than IdentityModel does.</summary>
public static class JoseJson
{
    /// <summary>
    /// The base64url segment as a JSON document, or null when it is not one. Duplicate member names are refused: RFC 7515
    /// §5.2 and RFC 7519 §4 allow a parser to refuse them or take the last; we refuse.
    /// </summary>
    public static JsonDocument? Parse(string encodedSegment, int maxDepth)
    {
        try
        {
            return JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(encodedSegment), new JsonDocumentOptions { AllowDuplicateProperties = false, MaxDepth = maxDepth });
        }
        catch (Exception e) when (e is JsonException or FormatException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>A member that is a non-empty JSON string.</summary>
    public static bool TryString(JsonElement element, string name, out string value)
    {
        if (element.TryGetProperty(name, out var member) && member.ValueKind == JsonValueKind.String && member.GetString() is { Length: > 0 } text)
        {
            value = text;
            return true;
        }
        value = "";
        return false;
    }
}
