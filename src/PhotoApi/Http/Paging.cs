using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace PhotoApi.Http;

/// <summary>One page of a list; <c>nextPageToken</c> is absent on the last page.</summary>
public sealed record Page<T>(
    IReadOnlyList<T> Items,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? NextPageToken);

/// <summary>The paging every list endpoint shares: keyset pages behind opaque, list-bound page tokens.</summary>
public static class Paging
{
    public const int DefaultPageSize = 25;
    public const int MaxPageSize = 100;
    public const string PageSizeDescription = "Items per page, 1 to 100 (default 25).";
    public const string PageTokenDescription = "nextPageToken of the previous page (opaque; bound to this list and user).";

    /// <summary>
    /// Reads one page of the list named <paramref name="list"/> (the page token is bound to that name): validates pageSize,
    /// decodes pageToken, fetches one row more than asked to know whether another page exists, and encodes the next token.
    /// Page and Invalid are both null when <paramref name="fetch"/> returns null (the list itself does not exist).
    /// </summary>
    public static async Task<(Page<TItem>? Page, ValidationProblem? Invalid)> ReadAsync<TRow, TItem>(
        int? pageSize, string? pageToken, string list, PageToken tokens,
        Func<PageCursor?, int, Task<IReadOnlyList<TRow>?>> fetch, Func<TRow, PageCursor> cursorOf, Func<TRow, TItem> toItem)
    {
        var size = pageSize ?? DefaultPageSize;
        if (size is < 1 or > MaxPageSize)
        {
            return (null, TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["pageSize"] = [$"pageSize must be between 1 and {MaxPageSize}."] }));
        }
        PageCursor? after = null;
        if (pageToken is not null)
        {
            if (tokens.TryDecode(pageToken, list, out var cursor))
            {
                after = cursor;
            }
            else
            {
                return (null, TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["pageToken"] = ["pageToken is not a page token of this list."] }));
            }
        }

        var rows = await fetch(after, size + 1);
        if (rows is null)
        {
            return (null, null);
        }
        var page = rows.Take(size).ToList();
        var next = rows.Count > size ? tokens.Encode(list, cursorOf(page[^1])) : null;
        return (new Page<TItem>(page.Select(toItem).ToList(), next), null);
    }
}
