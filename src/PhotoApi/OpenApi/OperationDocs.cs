namespace PhotoApi.OpenApi;

/// <summary>A request or response body of raw bytes in one of <see cref="MediaTypes"/> (an image, say), not JSON.</summary>
public sealed record BinaryBody(IReadOnlyList<string> MediaTypes, bool Request, bool Response);

/// <summary>A GET that honours Range, If-Range and If-None-Match (RFC 9110 §14, §13.1.2): 206, 304 and 416 answers.</summary>
public sealed record RangeRequests;

/// <summary>A request header the operation reads, or a response header it sends with <see cref="Status"/>.</summary>
public sealed record DocumentedHeader(string Name, string Description, int? Status = null)
{
    public bool IsRequestHeader => Status is null;
}

/// <summary>A tag's description, declared by the feature whose group carries the tag.</summary>
public sealed record TagDescription(string Name, string Description);

/// <summary>What features declare about their endpoints for the document, beyond what the API explorer sees.</summary>
public static class OperationDocs
{
    public const string ETagDescription = "The resource's strong entity tag (RFC 9110 §8.8.3).";

    /// <summary>Tags the group and gives the tag its description in the document.</summary>
    public static RouteGroupBuilder WithDescribedTag(this RouteGroupBuilder group, string name, string description) =>
        group.WithTags(name).WithMetadata(new TagDescription(name, description));

    public static TBuilder AcceptsBinary<TBuilder>(this TBuilder builder, IReadOnlyList<string> mediaTypes) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new BinaryBody(mediaTypes, Request: true, Response: false));

    public static TBuilder ProducesBinary<TBuilder>(this TBuilder builder, IReadOnlyList<string> mediaTypes) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new BinaryBody(mediaTypes, Request: false, Response: true), new RangeRequests());

    /// <summary>A request header the operation reads.</summary>
    public static TBuilder WithRequestHeader<TBuilder>(this TBuilder builder, string name, string description) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new DocumentedHeader(name, description));

    /// <summary>A response header the operation sends with each of <paramref name="statuses"/>.</summary>
    public static TBuilder WithResponseHeader<TBuilder>(this TBuilder builder, string name, string description, params int[] statuses) where TBuilder : IEndpointConventionBuilder
    {
        foreach (var status in statuses)
        {
            builder.WithMetadata(new DocumentedHeader(name, description, status));
        }
        return builder;
    }

    /// <summary>An ETag on the given answers (the version to send back in If-Match).</summary>
    public static TBuilder WithETag<TBuilder>(this TBuilder builder, params int[] statuses) where TBuilder : IEndpointConventionBuilder =>
        builder.WithResponseHeader("ETag", ETagDescription, statuses);

    /// <summary>A conditional change (RFC 9110 §13.1.1): If-Match with the ETag read earlier, else 412.</summary>
    public static TBuilder WithIfMatch<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithRequestHeader("If-Match", "Change only if the resource still has one of these ETags (strong comparison), or * if it exists; otherwise 412.");

    /// <summary>201 Created with the new resource's URL.</summary>
    public static TBuilder WithLocation<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithResponseHeader("Location", "The URL of the created resource.", StatusCodes.Status201Created);
}
