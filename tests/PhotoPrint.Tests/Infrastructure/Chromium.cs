using Microsoft.Playwright;

namespace PhotoPrint.Tests.Infrastructure;

/// <summary>The distribution's Chromium, headless, driven by Playwright (no browser download).</summary>
public static class Chromium
{
    private const string Executable = "/usr/bin/chromium";

    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        Assert.True(File.Exists(Executable), "Chromium is not installed (scripts/test.sh installs it from the distribution's packages).");
        // Waits, not assertions about speed: 2 busy cores can need more than Playwright's default 5 s for a page to settle.
        Assertions.SetDefaultExpectTimeout(30_000);
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Executable,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        return (playwright, browser);
    }

    /// <summary>The dev issuer's sign-in page: pick the demo user, sign in.</summary>
    public static async Task SignInAsync(IPage page, string user)
    {
        await page.Locator($"#user-{user}").CheckAsync();
        await page.Locator("#sign-in").ClickAsync();
    }
}
