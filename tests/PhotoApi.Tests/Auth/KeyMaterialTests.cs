using Microsoft.Extensions.Logging;

namespace PhotoApi.Tests.Auth;

/// <summary>
/// RFC 8725 §3.1: a key is used only with the algorithm it is meant for. The issuer publishes keys whose JWK members say what
/// they may do (RFC 7517 §4.2 use, §4.3 key_ops, §4.4 alg), an RSA key that is too short (RFC 7518 §3.3) and EC keys whose curve
/// fixes their algorithm (§3.4); tokens signed with each are accepted exactly when the key may verify that algorithm.
/// </summary>
public sealed class KeyMaterialTests : IAsyncLifetime
{
    private const string UnknownKey = "The access token is signed with an unknown key.";
    private const string Mismatch = "The access token's algorithm is not one its signing key may be used with.";

    private readonly CapturedLogs _logs = new();
    private OwnApi _own = null!;

    private readonly SigningKey _rs256Only = SigningKey.Rsa("rs256-only", "RS256");
    private readonly SigningKey _noAlg = SigningKey.Rsa("no-alg", "PS256").With(jwk: ("alg", null));
    private readonly SigningKey _encryption = SigningKey.Rsa("enc-key").With(jwk: ("use", "enc"));
    private readonly SigningKey _wrapOnly = SigningKey.Rsa("wrap-only").With(jwk: [("use", null), ("key_ops", new[] { "wrapKey", "unwrapKey" })]);
    private readonly SigningKey _verifyOps = SigningKey.Rsa("verify-ops").With(jwk: [("use", null), ("key_ops", new[] { "verify" })]);
    private readonly SigningKey _rsa1024 = SigningKey.Rsa("rsa-1024", bits: 1024);
    private readonly SigningKey _p256AsEs384 = SigningKey.EC("p256-as-es384", "ES256").With(jwk: ("alg", "ES384"));
    private readonly SigningKey _p384 = SigningKey.EC("p384", "ES384");

    public async Task InitializeAsync()
    {
        _own = await OwnApi.CreateAsync();
        _own.Issuer.PublishedKeys.AddRange([_rs256Only, _noAlg, _encryption, _wrapOnly, _verifyOps, _rsa1024, _p256AsEs384, _p384]);
        _own.Api.ConfigureLogging = logging => logging.AddProvider(_logs);
        _own.Api.StartServer(); // the first key fetch sees every key above
    }

    public async Task DisposeAsync() => await _own.DisposeAsync();

    private async Task<HttpResponseMessage> GetPhotosAsync(SigningKey key, string? headerAlg = null) =>
        await _own.Api.WithToken(_own.Issuer.Token(ApiFixture.NewSubject("alice"), key: key,
            header: headerAlg is null ? null : new Dictionary<string, object?> { ["alg"] = headerAlg })).GetAsync("/v1/photos");

    private static async Task AssertRefused(HttpResponseMessage response, string description)
    {
        await HttpAssert.Problem(response, HttpStatusCode.Unauthorized);
        Assert.Equal(description, HttpAssert.BearerChallenge(response)["error_description"]);
    }

    [Fact]
    public async Task KeyPublishedForRs256_DoesNotVerifyPs256_ThoughTheSignatureIsGood()
    {
        Assert.Equal(HttpStatusCode.OK, (await GetPhotosAsync(_rs256Only)).StatusCode);
        await AssertRefused(await GetPhotosAsync(_rs256Only.With("PS256")), Mismatch);
    }

    [Fact]
    public async Task KeyWithoutAlg_VerifiesWhatItsTypeAllows()
    {
        Assert.Equal(HttpStatusCode.OK, (await GetPhotosAsync(_noAlg)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetPhotosAsync(_noAlg.With("RS256"))).StatusCode);
    }

    [Fact]
    public async Task KeyForEncryption_IsNeverUsedToVerify() => await AssertRefused(await GetPhotosAsync(_encryption), UnknownKey);

    [Fact]
    public async Task KeyWhoseKeyOpsExcludeVerify_IsNeverUsed() => await AssertRefused(await GetPhotosAsync(_wrapOnly), UnknownKey);

    [Fact]
    public async Task KeyWhoseKeyOpsIncludeVerify_IsUsed() => Assert.Equal(HttpStatusCode.OK, (await GetPhotosAsync(_verifyOps)).StatusCode);

    [Fact]
    public async Task RsaKeyUnder2048Bits_IsNeverUsed_AndTheOperatorIsTold()
    {
        await AssertRefused(await GetPhotosAsync(_rsa1024), UnknownKey);
        Assert.Contains(_logs.Lines, l => l.StartsWith("Warning", StringComparison.Ordinal) && l.Contains("rsa-1024", StringComparison.Ordinal) && l.Contains("shorter than 2048 bits", StringComparison.Ordinal));
    }

    [Fact]
    public async Task EcKeyWhoseAlgDoesNotMatchItsCurve_IsNeverUsed() => await AssertRefused(await GetPhotosAsync(_p256AsEs384), UnknownKey);

    [Fact]
    public async Task EcP384Key_VerifiesEs384Only()
    {
        Assert.Equal(HttpStatusCode.OK, (await GetPhotosAsync(_p384)).StatusCode);
        await AssertRefused(await GetPhotosAsync(_p384, headerAlg: "ES256"), Mismatch);
    }
}
