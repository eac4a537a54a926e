using Microsoft.Extensions.Logging;

namespace PhotoApi.Tests.Edge;

/// <summary>
/// An API of the edge tests' own, with every log line it writes (at the shipped log levels) captured, a user with a
/// photo that has content, and that user's token.
/// </summary>
public sealed class EdgeApi : IAsyncLifetime
{
    public const int MaxContentBytes = 1024 * 1024;

    public CapturedLogs Logs { get; } = new();

    public OwnApi Own { get; private set; } = null!;

    public string Token { get; private set; } = "";

    public string PhotoId { get; private set; } = "";

    public Uri BaseAddress => Own.Api.BaseAddress;

    public string HostHeader => BaseAddress.Authority;

    public async Task InitializeAsync()
    {
        Own = await OwnApi.CreateAsync(new Dictionary<string, string?> { ["Photos:MaxContentBytes"] = MaxContentBytes.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        Own.Api.ConfigureLogging = logging => logging.AddProvider(Logs);
        Own.Api.StartServer();
        Token = Own.Issuer.Token(ApiFixture.NewSubject("edge"), "photos.read photos.write");
        var client = Own.Api.WithToken(Token);
        PhotoId = await client.CreatePhotoAsync("edge");
        Assert.Equal(HttpStatusCode.Created, (await client.PutAsync($"/v1/photos/{PhotoId}/content", Images.Content(Images.Png(5000), "image/png"))).StatusCode);
    }

    public async Task DisposeAsync() => await Own.DisposeAsync();

    /// <summary>Log entries that would page someone or carry a stack trace: anything at Warning or above, any exception.</summary>
    public IReadOnlyList<CapturedLogs.Entry> Alarming() =>
        Logs.Entries.Where(e => e.Level >= LogLevel.Warning || e.Exception is not null).ToList();
}
