using System.Text;
using PhotoPrint.Dpop;
using DpopKey = PhotoPrint.Dpop.DpopKey; // the sample's own key, not PhotoApi.Testing's

namespace PhotoPrint.Tests;

/// <summary>
/// PhotoPrint.Dpop against the real dev issuer and the real API, both requiring DPoP nonces: the sample gets a token bound to
/// its key, reads the API with proofs (answering each use_dpop_nonce), and the same token is refused to a thief.
/// </summary>
public sealed class DpopSampleTests : IAsyncLifetime
{
    private DevIssuerApi _cast = null!;
    private readonly HttpClient _http = new();
    private readonly DpopKey _key = new();
    private DpopClient _client = null!;

    public async Task InitializeAsync()
    {
        _cast = await DevIssuerApi.RequiringDpopNoncesAsync();
        _client = new DpopClient(_http, new DpopClientOptions(_cast.Issuer.BaseAddress, _cast.Api.BaseAddress), _key);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        _key.Dispose();
        await _cast.DisposeAsync();
    }

    [Fact]
    public async Task TheSampleGetsATokenBoundToItsKey_AfterTheIssuersNonceChallenge()
    {
        var token = await _client.GetTokenAsync();

        Assert.Equal("DPoP", _client.TokenType);
        var payload = JsonDocument.Parse(Base64Url(token.Split('.')[1])).RootElement;
        Assert.Equal(_key.Thumbprint, payload.GetProperty("cnf").GetProperty("jkt").GetString());
    }

    [Fact]
    public async Task TheSampleReadsTheApiWithProofs_AnsweringTheApisNonceChallenge()
    {
        await _client.GetTokenAsync();

        using var first = await _client.GetAsync(DpopProgram.UsagePath);
        using var second = await _client.GetAsync(DpopProgram.UsagePath);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
    }

    [Fact]
    public async Task TheSameToken_ReplayedAsABearerToken_IsRefused()
    {
        await _client.GetTokenAsync();

        using var response = await _client.GetAsBearerAsync(DpopProgram.UsagePath);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(response.Headers.WwwAuthenticate, challenge => challenge.Parameter?.Contains("error=\"invalid_token\"", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task TheSameToken_WithAProofOfAnotherKey_IsRefused()
    {
        await _client.GetTokenAsync();
        using (var nonce = await _client.GetAsync(DpopProgram.UsagePath))
        {
            Assert.Equal(HttpStatusCode.OK, nonce.StatusCode); // the thief has a current nonce too
        }

        using var response = await _client.GetWithAnotherKeyAsync(DpopProgram.UsagePath);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(response.Headers.WwwAuthenticate, challenge => challenge.Scheme == "DPoP");
    }

    private static byte[] Base64Url(string segment) =>
        Convert.FromBase64String(segment.Replace('-', '+').Replace('_', '/').PadRight(segment.Length + ((4 - (segment.Length % 4)) % 4), '='));
}
