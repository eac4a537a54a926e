using Microsoft.Playwright;
using Xunit.Abstractions;

namespace PhotoApi.Tests.Browser;

/// <summary>
/// The whole OAuth story in a real browser (the distribution's Chromium, headless): Swagger UI's Authorize button runs
/// the authorization code flow with PKCE against the dev issuer, the user signs in and consents, and "Try it out" calls
/// the API with the token Swagger UI got. Denying consent brings back access_denied.
/// </summary>
[Trait("Category", "Browser")]
[Collection(BrowserCollection.Name)]
public sealed class SwaggerAuthorizeTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Chromium = "/usr/bin/chromium";

    private DevIssuerHost _issuer = null!;
    private TestDatabase _database = null!;
    private PhotoApiFactory _api = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;
    private string _apiOrigin = "";

    public async Task InitializeAsync()
    {
        // The issuer must know Swagger UI's redirect URI and origin before the API exists, so the API's port is chosen first.
        var apiPort = FreePort.Next();
        _apiOrigin = $"http://127.0.0.1:{apiPort}";
        _issuer = DevIssuerHost.With(new Dictionary<string, string?>
        {
            ["DevIssuer:CorsOrigins:0"] = _apiOrigin,
            ["DevIssuer:Clients:1:RedirectUris:0"] = $"{_apiOrigin}/swagger/oauth2-redirect.html",
        });
        _database = await TestDatabase.CreateAsync();
        _api = new PhotoApiFactory(_issuer.BaseAddress.AbsoluteUri, _database.ConnectionString, port: apiPort);
        _ = _api.BaseAddress; // start it

        // Alice already has photos, put there by another app.
        var alice = _api.WithToken(await _issuer.DevTokenAsync("alice"));
        await alice.CreatePhotoAsync("Lighthouse at dawn");
        await alice.CreatePhotoAsync("Harbour at dusk");

        Assert.True(File.Exists(Chromium), "Chromium is not installed (scripts/test.sh installs it from the distribution's packages).");
        // Waits, not assertions about speed: on 2 busy cores Swagger UI can take more than Playwright's default 5 s to read
        // the issuer's discovery document (seen in CI-like runs); 30 s keeps a slow machine from failing a correct flow.
        Assertions.SetDefaultExpectTimeout(30_000);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _api.DisposeAsync();
        await _issuer.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task AuthorizeSignInConsent_ThenTryItOut_ListsTheUsersPhotos()
    {
        var page = await OpenSwaggerAndAuthorizeAsync(decision: "#allow");

        // The modal now offers "Logout" for the OpenID Connect scheme: Swagger UI holds a token.
        await Assertions.Expect(page.Locator(".auth-container").Filter(new() { HasText = "authorization_code" }).Locator("button", new() { HasText = "Logout" })).ToBeVisibleAsync();
        await page.Locator(".modal-ux button.btn-done").First.ClickAsync();

        var operation = page.Locator("#operations-Photos-ListPhotos");
        await operation.Locator(".opblock-summary").ClickAsync();
        await operation.GetByRole(AriaRole.Button, new() { Name = "Try it out" }).ClickAsync();
        await operation.GetByRole(AriaRole.Button, new() { Name = "Execute" }).ClickAsync();

        var response = operation.Locator(".live-responses-table .response").First;
        await Assertions.Expect(response.Locator(".response-col_status")).ToContainTextAsync("200");
        await Assertions.Expect(response.Locator(".response-col_description")).ToContainTextAsync("Lighthouse at dawn");
        await Assertions.Expect(response.Locator(".response-col_description")).ToContainTextAsync("Harbour at dusk");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Path.GetTempPath(), "photoapi-swagger-try-it-out.png") });
    }

    [Fact]
    public async Task DenyingConsent_BringsAccessDeniedBackToSwaggerUi()
    {
        var page = await OpenSwaggerAndAuthorizeAsync(decision: "#deny");

        await Assertions.Expect(page.Locator(".auth-container").Filter(new() { HasText = "authorization_code" })).ToContainTextAsync("access_denied");
        await Assertions.Expect(page.Locator(".auth-container").Filter(new() { HasText = "authorization_code" }).Locator("button", new() { HasText = "Logout" })).ToHaveCountAsync(0);
    }

    private async Task<IPage> OpenSwaggerAndAuthorizeAsync(string decision)
    {
        var context = await _browser.NewContextAsync();
        var page = await context.NewPageAsync();
        page.Console += (_, message) => output.WriteLine($"console: {message.Text}");
        // Swagger UI reads the issuer's discovery document once, on page load. An Authorize dialog opened before it has
        // arrived never shows the OpenID Connect scheme, not even 30 s later: with the document delayed by 4 s (a Playwright
        // route), the scheme never appeared. That was the intermittent failure on busy machines; the test now opens the
        // dialog when a user could, after the document has arrived.
        var discovery = page.WaitForResponseAsync(r => r.Url.EndsWith("/.well-known/openid-configuration", StringComparison.Ordinal) && r.Request.Method == "GET", new() { Timeout = 30_000 });
        await page.GotoAsync($"{_apiOrigin}/swagger/index.html");
        Assert.Equal(200, (await discovery).Status);
        await page.Locator(".btn.authorize").First.ClickAsync();

        // The OpenID Connect section, filled from the issuer's discovery document: pick photos.read, keep the client id.
        var oidc = page.Locator(".auth-container").Filter(new() { HasText = "authorization_code" });
        await Assertions.Expect(oidc).ToContainTextAsync("authorization_code");
        await oidc.Locator("label").Filter(new() { HasText = "photos.read" }).First.ClickAsync();

        var popup = await page.RunAndWaitForPopupAsync(() => oidc.Locator("button.authorize").ClickAsync());
        var closed = new TaskCompletionSource();
        popup.Close += (_, _) => closed.TrySetResult();
        await popup.Locator("#user-alice").CheckAsync();
        await popup.Locator("#sign-in").ClickAsync();
        await Assertions.Expect(popup.Locator("#client-name")).ToHaveTextAsync("PhotoApi Swagger UI");
        await Assertions.Expect(popup.Locator("#requested-scopes")).ToContainTextAsync("photos");
        await popup.Locator(decision).ClickAsync();
        // oauth2-redirect.html hands the code (or the error) back to Swagger UI and closes the window.
        await closed.Task.WaitAsync(TimeSpan.FromSeconds(15));
        return page;
    }
}
