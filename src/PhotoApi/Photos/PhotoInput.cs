using Microsoft.AspNetCore.Mvc;
using PhotoApi.Http;

namespace PhotoApi.Photos;

/// <summary>The validation rules of photo bodies, in one place for create and update.</summary>
public static class PhotoInput
{
    public const int MaxTitle = 200;
    public const int MaxDescription = 2000;

    public static async Task<(NewPhoto? Photo, ProblemDetails? Problem, Dictionary<string, string[]>? Errors)> ReadNewAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var (fields, problem) = await JsonFields.ReadAsync(request, cancellationToken);
        if (fields is null)
        {
            return (null, problem, null);
        }
        var title = fields.Text("title", 1, MaxTitle, required: true, nullable: false);
        var description = fields.Text("description", 0, MaxDescription);
        var takenAt = fields.Timestamp("takenAt");
        var errors = fields.Errors();
        return errors is not null
            ? (null, null, errors)
            : (new NewPhoto(title.Value!, description.Value, takenAt.Value), null, null);
    }

    public static async Task<(PhotoChanges? Changes, ProblemDetails? Problem, Dictionary<string, string[]>? Errors)> ReadChangesAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var (fields, problem) = await JsonFields.ReadAsync(request, cancellationToken);
        if (fields is null)
        {
            return (null, problem, null);
        }
        var title = fields.Text("title", 1, MaxTitle, nullable: false);
        var description = fields.Text("description", 0, MaxDescription);
        var takenAt = fields.Timestamp("takenAt");
        var errors = fields.Errors();
        return errors is not null ? (null, null, errors) : (new PhotoChanges(title, description, takenAt), null, null);
    }
}
