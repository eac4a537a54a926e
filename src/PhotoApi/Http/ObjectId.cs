namespace PhotoApi.Http;

/// <summary>Object ids in URLs: canonical UUIDs only. Anything else is answered like an id that does not exist.</summary>
public static class ObjectId
{
    public static bool TryParse(string? value, out Guid id) => Guid.TryParseExact(value, "D", out id);
}
