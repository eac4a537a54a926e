namespace PhotoApi.Tests.Browser;

/// <summary>
/// Browser stories run alone, after the parallel suite. Beside it, Swagger UI intermittently never showed its OpenID
/// Connect scheme: the Authorize dialog was opened before Swagger UI had the issuer's discovery document, which it never
/// adds to an open dialog (SwaggerAuthorizeTests now waits for the document). Kept alone: a busy machine slows the browser.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BrowserCollection
{
    public const string Name = "browser (runs alone)";
}
