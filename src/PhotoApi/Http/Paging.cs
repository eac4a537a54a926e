namespace PhotoApi.Http;

/// <summary>The paging parameters every list endpoint shares.</summary>
public static class Paging
{
    public const int DefaultPageSize = 25;
    public const int MaxPageSize = 100;
    public const string PageSizeDescription = "Items per page, 1 to 100 (default 25).";
    public const string PageTokenDescription = "nextPageToken of the previous page (opaque; bound to this list and user).";

    /// <summary>Validates pageSize and decodes pageToken for the list named by <paramref name="context"/>.</summary>
    public static (int Size, PageCursor? After, Dictionary<string, string[]>? Errors) Read(int? pageSize, string? pageToken, string context, PageToken tokens)
    {
        var size = pageSize ?? DefaultPageSize;
        if (size is < 1 or > MaxPageSize)
        {
            return (0, null, new() { ["pageSize"] = [$"pageSize must be between 1 and {MaxPageSize}."] });
        }
        if (pageToken is null)
        {
            return (size, null, null);
        }
        return tokens.TryDecode(pageToken, context, out var cursor)
            ? (size, cursor, null)
            : (0, null, new() { ["pageToken"] = ["pageToken is not a page token of this list."] });
    }
}
