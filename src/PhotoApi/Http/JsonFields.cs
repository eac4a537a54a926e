using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;

namespace PhotoApi.Http;

/// <summary>A field of a request body: whether it was present, and its value (which may be null when present).</summary>
public readonly record struct Field<T>(bool IsSet, T Value);

/// <summary>
/// Reads a JSON object body and validates it field by field, collecting every error into a per-field map
/// (RFC 9457 <c>errors</c>). Hand-written on top of <see cref="JsonDocument"/> because model binding stops at the
/// first type error and cannot tell an absent field from a null one, which PATCH needs.
/// </summary>
public sealed class JsonFields
{
    /// <summary>Metadata bodies are small; anything larger is refused before it is parsed.</summary>
    public const int MaxBodyBytes = 64 * 1024;
    private const int MaxDepth = 16;

    private readonly JsonElement _root;
    private readonly HashSet<string> _declared = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    private JsonFields(JsonElement root) => _root = root;

    /// <summary>Reads the body as one JSON object, or returns the problem that explains why it cannot be read.</summary>
    public static async Task<(JsonFields? Fields, ProblemDetails? Problem)> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!IsJson(request.ContentType))
        {
            return (null, Problems.Details(StatusCodes.Status415UnsupportedMediaType, "The request body must be JSON (Content-Type: application/json)."));
        }

        if (request.ContentLength > MaxBodyBytes)
        {
            return (null, TooLarge());
        }
        request.HttpContext.LimitBodySize(MaxBodyBytes);

        try
        {
            using var buffer = new MemoryStream();
            await CopyAtMostAsync(request.Body, buffer, MaxBodyBytes, cancellationToken);
            if (buffer.Length > MaxBodyBytes)
            {
                return (null, TooLarge());
            }

            // Duplicate names are refused: "last one wins" is how smuggled fields get past a validator.
            using var document = JsonDocument.Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), new JsonDocumentOptions
            {
                MaxDepth = MaxDepth,
                AllowDuplicateProperties = false,
            });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (null, Problems.BadRequest("The request body must be a JSON object."));
            }
            return (new JsonFields(document.RootElement.Clone()), null);
        }
        catch (JsonException)
        {
            return (null, Problems.BadRequest("The request body is not valid JSON."));
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TooLarge());
        }
    }

    /// <summary>A text field; null is allowed only when <paramref name="nullable"/>.</summary>
    public Field<string?> Text(string name, int minLength, int maxLength, bool required = false, bool nullable = true)
    {
        _declared.Add(name);
        if (!_root.TryGetProperty(name, out var value))
        {
            if (required)
            {
                AddError(name, "This field is required.");
            }
            return default;
        }

        if (value.ValueKind == JsonValueKind.Null)
        {
            if (!nullable)
            {
                AddError(name, "This field cannot be null.");
            }
            return new(true, null);
        }
        if (value.ValueKind != JsonValueKind.String)
        {
            AddError(name, "This field must be a string.");
            return default;
        }

        if (!TryGetText(value, out var text) || !IsStorableText(text))
        {
            AddError(name, "This field contains characters that are not allowed (NUL or invalid Unicode).");
            return default;
        }
        var length = CountCharacters(text);
        if (length < minLength || length > maxLength)
        {
            AddError(name, minLength > 0
                ? $"This field must be {minLength} to {maxLength} characters long."
                : $"This field must be at most {maxLength} characters long.");
            return default;
        }
        if (minLength > 0 && string.IsNullOrWhiteSpace(text))
        {
            AddError(name, "This field cannot be blank.");
            return default;
        }
        return new(true, text);
    }

    /// <summary>An RFC 3339 date-time with an explicit offset, returned in UTC.</summary>
    public Field<DateTime?> Timestamp(string name)
    {
        _declared.Add(name);
        if (!_root.TryGetProperty(name, out var value))
        {
            return default;
        }
        if (value.ValueKind == JsonValueKind.Null)
        {
            return new(true, null);
        }
        if (value.ValueKind != JsonValueKind.String || !value.TryGetDateTimeOffset(out var parsed) || !HasExplicitOffset(value.GetString()!))
        {
            AddError(name, "This field must be an RFC 3339 date-time with an offset, such as 2024-06-01T10:30:00Z.");
            return default;
        }
        return new(true, parsed.UtcDateTime);
    }

    /// <summary>The per-field errors, including one for every field the endpoint does not know; null when all is well.</summary>
    public Dictionary<string, string[]>? Errors()
    {
        foreach (var property in _root.EnumerateObject())
        {
            if (!_declared.Contains(property.Name))
            {
                AddError(property.Name, "This field is not recognised.");
            }
        }
        return _errors.Count == 0 ? null : _errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);
    }

    private void AddError(string name, string message)
    {
        if (!_errors.TryGetValue(name, out var list))
        {
            _errors[name] = list = [];
        }
        list.Add(message);
    }

    private static bool IsJson(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType))
        {
            return false;
        }
        var mediaType = contentType.Split(';', 2)[0].Trim();
        return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
    }

    // An escaped lone surrogate ("\ud800") is valid JSON but not a valid string.
    private static bool TryGetText(JsonElement value, out string text)
    {
        try
        {
            text = value.GetString()!;
            return true;
        }
        catch (InvalidOperationException)
        {
            text = "";
            return false;
        }
    }

    // PostgreSQL text cannot hold NUL, and a lone surrogate cannot be encoded as UTF-8: refuse both here, not in the database.
    private static bool IsStorableText(string text)
    {
        var span = text.AsSpan();
        while (!span.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(span, out var rune, out var consumed) != System.Buffers.OperationStatus.Done || rune.Value == 0)
            {
                return false;
            }
            span = span[consumed..];
        }
        return true;
    }

    // Counted in Unicode code points, like PostgreSQL's char_length, so the API and the CHECK constraint agree.
    private static int CountCharacters(string text)
    {
        var count = 0;
        foreach (var _ in text.EnumerateRunes())
        {
            count++;
        }
        return count;
    }

    private static bool HasExplicitOffset(string text) =>
        text.EndsWith('Z') || text.EndsWith('z') || (text.Length > 6 && text[^6] is '+' or '-' && text[^3] == ':');

    private static ProblemDetails TooLarge() =>
        Problems.Details(StatusCodes.Status413PayloadTooLarge, $"The request body must be at most {MaxBodyBytes / 1024} KiB.");

    private static async Task CopyAtMostAsync(Stream source, Stream destination, int limit, CancellationToken cancellationToken)
    {
        var chunk = new byte[8192];
        int read;
        while ((read = await source.ReadAsync(chunk, cancellationToken)) > 0)
        {
            await destination.WriteAsync(chunk.AsMemory(0, read), cancellationToken);
            if (destination.Length > limit)
            {
                return;
            }
        }
    }
}
