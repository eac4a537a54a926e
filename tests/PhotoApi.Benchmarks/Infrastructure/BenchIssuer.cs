namespace PhotoApi.Benchmarks.Infrastructure;

/// <summary>
/// The benchmarks' authorization server: the tests' <see cref="TestIssuer"/> (discovery, JWKS and introspection over HTTP on
/// loopback) with one key per benchmarked algorithm. The API reaches it through its normal trust path.
/// </summary>
public static class BenchIssuer
{
    public static async Task<TestIssuer> StartAsync(int port = 0)
    {
        var issuer = await TestIssuer.StartAsync(SigningKey.Rsa("bench-rs256"), port: port,
            otherKeys: [SigningKey.Rsa("bench-ps256", "PS256"), SigningKey.EC("bench-es256")]);
        issuer.RecordRequests = false;
        return issuer;
    }

    /// <summary>An RFC 9068 access token for <paramref name="subject"/>, signed with the key of <paramref name="algorithm"/>, valid for a whole run.</summary>
    public static string Mint(this TestIssuer issuer, string subject, string algorithm = "RS256", IDictionary<string, object?>? claims = null) =>
        issuer.Token(subject, "photos.read photos.write", claims, key: issuer.PublishedKeys.Single(k => k.Algorithm == algorithm), lifetime: TimeSpan.FromHours(2));

    /// <summary>An opaque token for <paramref name="subject"/> that only the issuer's introspection endpoint resolves.</summary>
    public static string MintOpaque(this TestIssuer issuer, string subject) => issuer.Opaque(subject, "photos.read photos.write");
}
