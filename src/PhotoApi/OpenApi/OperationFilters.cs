using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.OpenApi;
using PhotoApi.Auth;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace PhotoApi.OpenApi;

/// <summary>Shows <see cref="BinaryBody"/> endpoints' bodies as raw bytes of their media types, and a ranged GET's 206/304/416.</summary>
public sealed class BinaryBodyOperationFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var metadata = context.ApiDescription.ActionDescriptor.EndpointMetadata;
        var body = metadata.OfType<BinaryBody>().LastOrDefault();
        if (body is null)
        {
            return;
        }

        var binary = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" };
        Dictionary<string, IOpenApiMediaType> Bytes() => body.MediaTypes.ToDictionary(t => t, _ => (IOpenApiMediaType)new OpenApiMediaType { Schema = binary });

        operation.Responses ??= [];
        if (body.Request)
        {
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Description = "The bytes; Content-Type must match the file's signature.",
                Content = Bytes(),
            };
        }
        if (body.Response)
        {
            operation.Responses["200"] = new OpenApiResponse { Description = "The bytes.", Content = Bytes() };
        }
        if (metadata.OfType<RangeRequests>().Any())
        {
            var problem = context.SchemaGenerator.GenerateSchema(typeof(ProblemDetails), context.SchemaRepository);
            var contentRange = (IOpenApiHeader)new OpenApiHeader { Description = "The range sent: bytes first-last/size (RFC 9110 §14.4).", Required = true, Schema = new OpenApiSchema { Type = JsonSchemaType.String } };
            operation.Responses["206"] = new OpenApiResponse
            {
                Description = "The requested byte range (Range: bytes=first-last).",
                Content = Bytes(),
                Headers = new Dictionary<string, IOpenApiHeader> { ["Content-Range"] = contentRange },
            };
            operation.Responses["304"] = new OpenApiResponse { Description = "If-None-Match matched the ETag: the bytes have not changed." };
            operation.Responses["416"] = new OpenApiResponse
            {
                Description = "The Range lies outside the bytes.",
                Content = new Dictionary<string, IOpenApiMediaType> { ["application/problem+json"] = new OpenApiMediaType { Schema = problem } },
                Headers = new Dictionary<string, IOpenApiHeader>
                {
                    ["Content-Range"] = new OpenApiHeader { Description = "The size: bytes */size (RFC 9110 §15.5.17).", Required = true, Schema = new OpenApiSchema { Type = JsonSchemaType.String } },
                },
            };
            HeadersOperationFilter.AddRequestHeader(operation, "Range", "One byte range, bytes=first-last, bytes=first- or bytes=-suffix (RFC 9110 §14.2); several ranges get the whole body.");
            HeadersOperationFilter.AddRequestHeader(operation, "If-Range", "Send the range only if the ETag still matches, else the whole body (RFC 9110 §13.1.5).");
            HeadersOperationFilter.AddRequestHeader(operation, "If-None-Match", "304 when the ETag still matches (RFC 9110 §13.1.2).");
        }
    }
}

/// <summary>Puts the request headers an endpoint reads and the response headers it sends (<see cref="DocumentedHeader"/>) into the document.</summary>
public sealed class HeadersOperationFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        foreach (var header in context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<DocumentedHeader>())
        {
            if (header.IsRequestHeader)
            {
                AddRequestHeader(operation, header.Name, header.Description);
            }
            else if (operation.Responses?.GetValueOrDefault(header.Status!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)) is OpenApiResponse response)
            {
                response.Headers ??= new Dictionary<string, IOpenApiHeader>();
                // Always sent with that answer, so a generated client may rely on it.
                response.Headers[header.Name] = new OpenApiHeader { Description = header.Description, Required = true, Schema = new OpenApiSchema { Type = JsonSchemaType.String } };
            }
        }
    }

    internal static void AddRequestHeader(OpenApiOperation operation, string name, string description)
    {
        operation.Parameters ??= [];
        operation.Parameters.Add(new OpenApiParameter
        {
            Name = name,
            In = ParameterLocation.Header,
            Description = description,
            Schema = new OpenApiSchema { Type = JsonSchemaType.String },
        });
    }
}

/// <summary>
/// The answers any operation can give before its handler runs: 429 from the rate limits and 503 when the service sheds load
/// or a dependency is down, both with Retry-After (RFC 9110 §10.2.3).
/// </summary>
public sealed class ServiceProblemsOperationFilter : IOperationFilter
{
    public const string TooManyRequests = "TooManyRequests";
    public const string ServiceUnavailable = "ServiceUnavailable";

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var problem = context.SchemaGenerator.GenerateSchema(typeof(ProblemDetails), context.SchemaRepository);
        context.Document.Components ??= new OpenApiComponents();
        var shared = context.Document.Components.Responses ??= new Dictionary<string, IOpenApiResponse>();
        shared.TryAdd(TooManyRequests, WithRetryAfter(problem, "Too many requests from this caller or address; retry after Retry-After seconds."));
        shared.TryAdd(ServiceUnavailable, WithRetryAfter(problem, "The service is overloaded or a dependency (database, issuer) is unavailable; retry after Retry-After seconds."));
        operation.Responses ??= [];
        operation.Responses.TryAdd("429", new OpenApiResponseReference(TooManyRequests, context.Document));
        operation.Responses.TryAdd("503", new OpenApiResponseReference(ServiceUnavailable, context.Document));
    }

    private static OpenApiResponse WithRetryAfter(IOpenApiSchema problem, string description) => new()
    {
        Description = description,
        Content = new Dictionary<string, IOpenApiMediaType> { ["application/problem+json"] = new OpenApiMediaType { Schema = problem } },
        Headers = new Dictionary<string, IOpenApiHeader>
        {
            ["Retry-After"] = new OpenApiHeader { Description = "Seconds to wait before retrying.", Schema = new OpenApiSchema { Type = JsonSchemaType.Integer } },
        },
    };
}

/// <summary>Gives each tag the description its feature declared with <see cref="OperationDocs.WithDescribedTag"/>.</summary>
public sealed class TagDescriptionsDocumentFilter : IDocumentFilter
{
    public void Apply(OpenApiDocument swaggerDoc, DocumentFilterContext context)
    {
        TagDescription[] infrastructure = [new(ProtectedResourceMetadata.Tag, ProtectedResourceMetadata.TagText)];
        var descriptions = context.ApiDescriptions
            .SelectMany(d => d.ActionDescriptor.EndpointMetadata.OfType<TagDescription>())
            .Concat(infrastructure)
            .GroupBy(t => t.Name, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Last().Description, StringComparer.Ordinal);
        foreach (var tag in swaggerDoc.Tags ?? new HashSet<OpenApiTag>())
        {
            if (tag is OpenApiTag concrete && tag.Name is { } name && descriptions.TryGetValue(name, out var description))
            {
                concrete.Description = description;
            }
        }
    }
}

/// <summary>A body member that may be left out but is refused when sent as null (a PATCH's title, say).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class NullRefusedAttribute : Attribute;

/// <summary>The schema of a <see cref="NullRefusedAttribute"/> member does not allow null, though the C# type is nullable (absent).</summary>
public sealed class DisallowNullSchemaFilter : ISchemaFilter
{
    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        if (schema is not OpenApiSchema { Properties: { } properties } || context.Type is null)
        {
            return;
        }
        foreach (var property in context.Type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetCustomAttribute<NullRefusedAttribute>() is not null
                && properties.TryGetValue(JsonNamingPolicy.CamelCase.ConvertName(property.Name), out var found) && found is OpenApiSchema member)
            {
                member.Type &= ~JsonSchemaType.Null;
            }
        }
    }
}
