using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Json.Schema;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace PhotoApi.Tests.Infrastructure;

/// <summary>
/// openapi.yaml as a contract: checks a real response against what the document says its operation answers (status, media
/// type, JSON Schema 2020-12 of the body, required headers) and remembers which operations and statuses were seen.
/// </summary>
public sealed class OpenApiContract
{
    private static readonly EvaluationOptions Evaluation = new() { OutputFormat = OutputFormat.List, RequireFormatValidation = true };

    private readonly JsonObject _document;
    private readonly Dictionary<string, JsonObject> _operations = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JsonSchema> _schemas = new(StringComparer.Ordinal);
    private readonly List<string> _failures = [];

    private OpenApiContract(JsonObject document)
    {
        _document = document;
        foreach (var (_, item) in document["paths"]!.AsObject())
        {
            foreach (var (_, operation) in item!.AsObject())
            {
                if (operation is JsonObject o && o["operationId"]?.GetValue<string>() is { } id)
                {
                    _operations[id] = o;
                }
            }
        }
    }

    public static async Task<OpenApiContract> LoadAsync(string path)
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(await File.ReadAllTextAsync(path)));
        return new OpenApiContract((JsonObject)ToJson(yaml.Documents[0].RootNode)!);
    }

    public IReadOnlyCollection<string> OperationIds => _operations.Keys;

    /// <summary>(operationId, status) of every response checked.</summary>
    public List<(string OperationId, int Status)> Seen { get; } = [];

    public IReadOnlyList<string> Failures => _failures;

    /// <summary>Checks <paramref name="response"/> against the document's answer for <paramref name="operationId"/>; returns it.</summary>
    public async Task<HttpResponseMessage> CheckAsync(string operationId, HttpResponseMessage response)
    {
        var status = (int)response.StatusCode;
        Seen.Add((operationId, status));
        var where = $"{operationId} {status}";
        if (!_operations.TryGetValue(operationId, out var operation))
        {
            _failures.Add($"{operationId} is not in the document");
            return response;
        }
        var responses = operation["responses"]!.AsObject();
        if ((responses[status.ToString(CultureInfo.InvariantCulture)] ?? responses["default"]) is not JsonObject documented)
        {
            _failures.Add($"{where}: status not documented");
            return response;
        }
        documented = Resolve(documented);

        foreach (var (name, header) in documented["headers"]?.AsObject() ?? [])
        {
            var required = Resolve(header!.AsObject())["required"]?.GetValue<bool>() == true;
            if (required && !response.Headers.NonValidated.Contains(name) && !response.Content.Headers.NonValidated.Contains(name))
            {
                _failures.Add($"{where}: required header {name} missing");
            }
        }

        var body = await response.Content.ReadAsByteArrayAsync();
        var content = documented["content"]?.AsObject();
        if (content is null || content.Count == 0)
        {
            if (body.Length > 0)
            {
                _failures.Add($"{where}: a body where the document shows none");
            }
            return response;
        }
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (mediaType is null || content[mediaType] is not JsonObject media)
        {
            _failures.Add($"{where}: media type {mediaType ?? "(none)"} not documented (documented: {string.Join(", ", content.Select(c => c.Key))})");
            return response;
        }
        if (mediaType.EndsWith("json", StringComparison.Ordinal) && media["schema"] is JsonObject schema)
        {
            var result = SchemaFor(schema).Evaluate(JsonDocument.Parse(body).RootElement, Evaluation);
            if (!result.IsValid)
            {
                var errors = (result.Details ?? []).Where(d => d.Errors is { Count: > 0 })
                    .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"));
                _failures.Add($"{where}: body does not match its schema: {string.Join("; ", errors)}");
            }
        }
        return response;
    }

    private JsonObject Resolve(JsonObject node) =>
        node["$ref"]?.GetValue<string>() is { } reference
            ? (JsonObject)reference.TrimStart('#').Split('/', StringSplitOptions.RemoveEmptyEntries).Aggregate((JsonNode)_document, (n, part) => n[part]!)
            : node;

    // The operation's schema inside one JSON Schema 2020-12 document holding all component schemas as $defs.
    private JsonSchema SchemaFor(JsonObject schema)
    {
        var key = schema.ToJsonString();
        if (!_schemas.TryGetValue(key, out var built))
        {
            var root = new JsonObject
            {
                ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
                ["$defs"] = _document["components"]!["schemas"]!.DeepClone(),
                ["allOf"] = new JsonArray(schema.DeepClone()),
            };
            var text = root.ToJsonString().Replace("#/components/schemas/", "#/$defs/", StringComparison.Ordinal);
            built = JsonSchema.FromText(text, baseUri: new Uri($"https://photoapi.test/contract/{_schemas.Count}"));
            _schemas[key] = built;
        }
        return built;
    }

    // YAML scalars become JSON numbers, booleans and null only when plain (unquoted), as YAML 1.2's core schema reads them.
    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(c => KeyValuePair.Create(((YamlScalarNode)c.Key).Value!, ToJson(c.Value)))),
        YamlSequenceNode list => new JsonArray(list.Children.Select(ToJson).ToArray()),
        YamlScalarNode { Style: ScalarStyle.Plain } plain => plain.Value switch
        {
            "null" or "~" or "" => null,
            "true" => JsonValue.Create(true),
            "false" => JsonValue.Create(false),
            var v when long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) => JsonValue.Create(n),
            var v when double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => JsonValue.Create(d),
            var v => JsonValue.Create(v),
        },
        YamlScalarNode scalar => JsonValue.Create(scalar.Value),
        _ => throw new InvalidOperationException($"Unexpected YAML node {node.NodeType}"),
    };

    /// <summary>A JSON body with the given media type (for bodies the document shows).</summary>
    public static StringContent Json(object body, string mediaType = "application/json") =>
        new(JsonSerializer.Serialize(body), new MediaTypeHeaderValue(mediaType));
}
