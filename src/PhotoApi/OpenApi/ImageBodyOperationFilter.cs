using Microsoft.OpenApi;
using PhotoApi.Photos.Content;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace PhotoApi.OpenApi;

/// <summary>Shows the image endpoints' bodies as binary images of the accepted types, with their conditional and range answers.</summary>
public sealed class ImageBodyOperationFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var image = context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<ImageBody>().LastOrDefault();
        if (image is null)
        {
            return;
        }

        var binary = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" };
        Dictionary<string, IOpenApiMediaType> Images() => ImageFormat.MediaTypes.ToDictionary(t => t, _ => (IOpenApiMediaType)new OpenApiMediaType { Schema = binary });

        operation.Responses ??= [];
        if (image.Request)
        {
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Description = "The image bytes; Content-Type must match the file's signature.",
                Content = Images(),
            };
        }
        if (image.Response)
        {
            operation.Responses["200"] = new OpenApiResponse { Description = "The image.", Content = Images() };
            operation.Responses["206"] = new OpenApiResponse { Description = "The requested byte range (Range: bytes=first-last).", Content = Images() };
            operation.Responses["304"] = new OpenApiResponse { Description = "If-None-Match matched the ETag: the image has not changed." };
            operation.Responses["416"] = new OpenApiResponse { Description = "The Range lies outside the image (Content-Range: bytes */size)." };
        }
    }
}
