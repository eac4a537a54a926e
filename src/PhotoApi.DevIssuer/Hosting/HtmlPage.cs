using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Primitives;

namespace PhotoApi.DevIssuer.Hosting;

/// <summary>Tiny server-rendered pages: a dev tool needs two forms, not a view engine.</summary>
public static class HtmlPage
{
    public static string Encode(string? value) => HtmlEncoder.Default.Encode(value ?? "");

    public static ContentHttpResult Render(string title, string body, int statusCode = StatusCodes.Status200OK) =>
        TypedResults.Content(
            $$"""
            <!doctype html>
            <html lang="en">
            <head>
              <meta charset="utf-8">
              <meta name="viewport" content="width=device-width, initial-scale=1">
              <title>{{Encode(title)}} – PhotoApi dev issuer</title>
              <style>
                body { font-family: system-ui, sans-serif; max-width: 32rem; margin: 3rem auto; padding: 0 1rem; line-height: 1.5; }
                fieldset { border: 1px solid #999; border-radius: .5rem; margin: 1rem 0; }
                button { font-size: 1rem; padding: .5rem 1.25rem; margin-right: .5rem; }
                .note { color: #555; font-size: .9rem; }
              </style>
            </head>
            <body>
            <main>
            {{body}}
            </main>
            </body>
            </html>
            """,
            "text/html; charset=utf-8",
            Encoding.UTF8,
            statusCode);

    /// <summary>The anti-forgery hidden field for a form rendered in this request.</summary>
    public static string AntiforgeryField(IAntiforgery antiforgery, HttpContext http)
    {
        var tokens = antiforgery.GetAndStoreTokens(http);
        return HiddenField(tokens.FormFieldName, tokens.RequestToken);
    }

    public static string HiddenField(string name, string? value) =>
        $"""<input type="hidden" name="{Encode(name)}" value="{Encode(value)}">""";

    public static string HiddenFields(IEnumerable<KeyValuePair<string, StringValues>> fields) =>
        string.Join("\n", fields.SelectMany(field => field.Value.Select(value => HiddenField(field.Key, value))));
}
