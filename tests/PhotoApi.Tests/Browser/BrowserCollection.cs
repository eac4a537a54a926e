namespace PhotoApi.Tests.Browser;

/// <summary>
/// Browser stories run alone, after the parallel suite. Beside it, Swagger UI intermittently never showed its OpenID
/// Connect scheme within 30 s (the discovery fetch behind the Authorize dialog); alone, the same stories passed every time.
/// The cause was not found; see the closing note of the session that added this.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BrowserCollection
{
    public const string Name = "browser (runs alone)";
}
