using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace PhotoApi.Tests.Auth;

/// <summary>Auth__RequireSenderConstrainedTokens, globally and per issuer: a plain bearer token is worth nothing there.</summary>
public sealed class SenderConstrainedRequirementTests
{
    private readonly DpopKey _key = DpopKey.EC();

    [Fact]
    public async Task Required_PlainBearerTokenIsRefused_DpopBoundTokenIsAccepted_AndMetadataSaysSo()
    {
        await using var own = await OwnApi.CreateAsync(new Dictionary<string, string?> { ["Auth:RequireSenderConstrainedTokens"] = "true" });
        var photos = new Uri(own.Api.BaseAddress, "/v1/photos");

        var plain = await own.Api.WithToken(own.Issuer.Token(ApiFixture.NewSubject("alice"))).GetAsync(photos);
        var bound = own.Issuer.Token(ApiFixture.NewSubject("alice"), claims: _key.Cnf);
        var dpop = await own.Api.Anonymous().SendAsync(DpopProofs.Request(HttpMethod.Get, photos, bound, _key.Proof("GET", photos, bound)));
        var metadata = JsonDocument.Parse(await own.Api.Anonymous().GetStringAsync("/.well-known/oauth-protected-resource")).RootElement;

        var challenge = await HttpAssert.InvalidToken(plain);
        Assert.Equal("Only sender-constrained (DPoP- or certificate-bound) access tokens are accepted.", challenge["error_description"]);
        Assert.Equal(HttpStatusCode.OK, dpop.StatusCode);
        Assert.True(metadata.GetProperty("dpop_bound_access_tokens_required").GetBoolean());
    }

    [Fact]
    public async Task RequiredForOneIssuer_OnlyThatIssuersPlainTokensAreRefused()
    {
        await using var strict = await TestIssuer.StartAsync(issuerSuffix: "/strict");
        await using var lenient = await TestIssuer.StartAsync(issuerSuffix: "/lenient");
        await using var database = await TestDatabase.CreateAsync();
        await using var api = new PhotoApiFactory(null, database.ConnectionString, new Dictionary<string, string?>
        {
            ["Auth:Issuers:0:Authority"] = strict.Authority,
            ["Auth:Issuers:0:RequireSenderConstrainedTokens"] = "true",
            ["Auth:Issuers:1:Authority"] = lenient.Authority,
        });
        var photos = new Uri(api.BaseAddress, "/v1/photos");
        var bound = strict.Token(ApiFixture.NewSubject("alice"), claims: _key.Cnf);

        var strictPlain = await api.WithToken(strict.Token(ApiFixture.NewSubject("alice"))).GetAsync(photos);
        var strictBound = await api.Anonymous().SendAsync(DpopProofs.Request(HttpMethod.Get, photos, bound, _key.Proof("GET", photos, bound)));
        var lenientPlain = await api.WithToken(lenient.Token(ApiFixture.NewSubject("alice"))).GetAsync(photos);

        await HttpAssert.InvalidToken(strictPlain);
        Assert.Equal(HttpStatusCode.OK, strictBound.StatusCode);
        Assert.Equal(HttpStatusCode.OK, lenientPlain.StatusCode);
    }
}

/// <summary>
/// RFC 8705 §3: a token with <c>cnf.x5t#S256</c> is accepted only with the client certificate it is bound to, from the TLS
/// connection (Kestrel asks for one, Auth__ClientCertificates__Tls) or, from a configured TLS-terminating proxy, from the
/// RFC 9440 Client-Cert header (Auth__ClientCertificates__TrustedProxies).
/// </summary>
public sealed class CertificateBoundTokenTests
{
    private static readonly X509Certificate2 ServerCertificate = SelfSigned("CN=127.0.0.1", "1.3.6.1.5.5.7.3.1");
    private readonly X509Certificate2 _client = SelfSigned("CN=photoprint", "1.3.6.1.5.5.7.3.2");

    private static string Thumbprint(X509Certificate2 certificate) =>
        Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(SHA256.HashData(certificate.RawData));

    private static Dictionary<string, object?> BoundTo(X509Certificate2 certificate) =>
        new() { ["cnf"] = new Dictionary<string, object> { ["x5t#S256"] = Thumbprint(certificate) } };

    [Fact]
    public async Task OverTls_TheBoundCertificateIsAccepted_AnotherOrNoneIsRefused()
    {
        await using var issuer = await TestIssuer.StartAsync();
        await using var database = await TestDatabase.CreateAsync();
        await using var api = await TlsApi.StartAsync(issuer.Authority, database.ConnectionString);
        var photos = api.Url("/v1/photos");
        var token = issuer.Token(ApiFixture.NewSubject("alice"), claims: BoundTo(_client));

        var withBound = await Tls(_client, token).GetAsync(photos);
        var withOther = await Tls(SelfSigned("CN=thief", "1.3.6.1.5.5.7.3.2"), token).GetAsync(photos);
        var withNone = await Tls(null, token).GetAsync(photos);
        var plainWithCertificate = await Tls(_client, issuer.Token(ApiFixture.NewSubject("alice"))).GetAsync(photos);

        Assert.Equal(HttpStatusCode.OK, withBound.StatusCode);
        await AssertRefusedForTheCertificateAsync(withOther, withNone);
        Assert.Equal(HttpStatusCode.OK, plainWithCertificate.StatusCode);
    }

    [Fact]
    public async Task FromTheDevIssuer_ASelfSignedTlsClientGetsABoundToken_TheApiTakesItOnlyWithThatCertificate()
    {
        // RFC 8705 end to end through OpenIddict's own support: the dev issuer's HTTPS token endpoint asks for a certificate,
        // authenticates the client by its registered self-signed certificate (§2.2) and binds the token to it (§3.1).
        var client = SelfSignedRsa("CN=mtls-test");
        await using var issuer = MtlsIssuer(client, out var mtlsPort);
        await using var database = await TestDatabase.CreateAsync();
        var discovery = JsonDocument.Parse(await new HttpClient().GetStringAsync(new Uri(issuer.BaseAddress, ".well-known/openid-configuration"))).RootElement;

        var tokenResponse = await MtlsTokenRequestAsync(mtlsPort, client);
        var body = JsonDocument.Parse(await tokenResponse.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.OK, tokenResponse.StatusCode);
        var token = body.GetProperty("access_token").GetString()!;
        var payload = JsonDocument.Parse(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Decode(token.Split('.')[1])).RootElement;
        Assert.Equal(Thumbprint(client), payload.GetProperty("cnf").GetProperty("x5t#S256").GetString());
        Assert.Equal(issuer.BaseAddress.AbsoluteUri, discovery.GetProperty("issuer").GetString());
        Assert.Equal(issuer.BaseAddress.AbsoluteUri, payload.GetProperty("iss").GetString());
        Assert.True(discovery.GetProperty("tls_client_certificate_bound_access_tokens").GetBoolean());
        Assert.Equal($"https://127.0.0.1:{mtlsPort}/connect/token", discovery.GetProperty("mtls_endpoint_aliases").GetProperty("token_endpoint").GetString());
        Assert.Contains("self_signed_tls_client_auth", discovery.GetProperty("token_endpoint_auth_methods_supported").EnumerateArray().Select(m => m.GetString()));

        await using var api = await TlsApi.StartAsync(issuer.BaseAddress.AbsoluteUri, database.ConnectionString);
        var usage = api.Url("/v1/admin/usage");

        var withBound = await Tls(client, token).GetAsync(usage);
        var withOther = await Tls(SelfSignedRsa("CN=mtls-test"), token).GetAsync(usage);
        var withNone = await Tls(null, token).GetAsync(usage);

        Assert.Equal(HttpStatusCode.OK, withBound.StatusCode);
        await AssertRefusedForTheCertificateAsync(withOther, withNone);
    }

    [Fact]
    public async Task AtTheDevIssuer_AnotherCertificateIsAnInvalidClient_NoneIsAnInvalidRequest()
    {
        var client = SelfSignedRsa("CN=mtls-test");
        await using var issuer = MtlsIssuer(client, out var mtlsPort);

        // Same subject, other key: OpenIddict trusts exactly the registered certificate (RFC 8705 §2.2).
        var withOther = await MtlsTokenRequestAsync(mtlsPort, SelfSignedRsa("CN=mtls-test"));
        var withNone = await MtlsTokenRequestAsync(mtlsPort, null);

        // RFC 6749 §5.2: a certificate OpenIddict cannot match to the client's registration is invalid_client (401); no
        // client authentication at all is invalid_request (400), as for a confidential client that sends no secret.
        Assert.Equal(HttpStatusCode.Unauthorized, withOther.StatusCode);
        Assert.Equal("invalid_client", await ErrorAsync(withOther));
        Assert.Equal(HttpStatusCode.BadRequest, withNone.StatusCode);
        Assert.Equal("invalid_request", await ErrorAsync(withNone));

        static async Task<string?> ErrorAsync(HttpResponseMessage response)
        {
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.False(body.TryGetProperty("access_token", out _));
            return body.GetProperty("error").GetString();
        }
    }

    /// <summary>The real dev issuer on HTTP and, with DevIssuer__MtlsPort, on HTTPS; one client registered by its certificate.</summary>
    private static DevIssuerHost MtlsIssuer(X509Certificate2 client, out int mtlsPort)
    {
        var httpPort = FreePort.Next();
        mtlsPort = FreePort.Next();
        var certificatePath = Path.Combine(Path.GetTempPath(), $"photoapi-mtls-{Guid.NewGuid():N}.crt");
        File.WriteAllText(certificatePath, client.ExportCertificatePem());
        var host = DevIssuerHost.With(urls: $"http://127.0.0.1:{httpPort};https://127.0.0.1:{mtlsPort}", settings: new Dictionary<string, string?>
        {
            // No DevIssuer:Issuer: with an mTLS alias the issuer is fixed to the first HTTP URL, so tokens from the HTTPS
            // origin carry the iss that discovery on HTTP states (the API checks it).
            ["DevIssuer:MtlsPort"] = mtlsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["DevIssuer:Clients:50:ClientId"] = "mtls-test",
            ["DevIssuer:Clients:50:TlsClientCertificate"] = certificatePath,
            ["DevIssuer:Clients:50:Scopes:0"] = "photos.admin",
            ["DevIssuer:Clients:50:GrantTypes:0"] = "client_credentials",
        });
        // Starts the host (and so both listeners) now; the certificate was read while seeding.
        _ = host.BaseAddress;
        File.Delete(certificatePath);
        return host;
    }

    private static async Task<HttpResponseMessage> MtlsTokenRequestAsync(int mtlsPort, X509Certificate2? certificate)
    {
        using var handler = new HttpClientHandler
        {
            // The issuer's server certificate is made at its start; what is under test is the client's.
            ServerCertificateCustomValidationCallback = (_, server, _, _) => server is not null,
        };
        if (certificate is not null)
        {
            handler.ClientCertificateOptions = ClientCertificateOption.Manual;
            handler.ClientCertificates.Add(certificate);
        }

        using var http = new HttpClient(handler);
        var response = await http.PostAsync(new Uri($"https://127.0.0.1:{mtlsPort}/connect/token"), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = "mtls-test",
            ["scope"] = "photos.admin",
        }));
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    /// <summary>What OpenIddict accepts for self_signed_tls_client_auth: RSA, v3, digitalSignature, EKU clientAuth.</summary>
    private static X509Certificate2 SelfSignedRsa(string subject)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null);
    }

    /// <summary>Each response is RFC 6750's invalid_token for a token bound to a certificate the request did not present.</summary>
    private static async Task AssertRefusedForTheCertificateAsync(params HttpResponseMessage[] responses)
    {
        foreach (var refused in responses)
        {
            var challenge = await HttpAssert.InvalidToken(refused);
            Assert.Equal("The access token is bound to a client certificate this request did not present.", challenge["error_description"]);
        }
    }

    /// <summary>
    /// The real API process with Kestrel's HTTPS endpoint configured as an operator would (Kestrel__Endpoints__*), so the
    /// certificate request really is Kestrel's and PhotoApi's HTTPS defaults apply to it.
    /// </summary>
    private sealed class TlsApi : IAsyncDisposable
    {
        private readonly System.Diagnostics.Process _process;
        private readonly string _pfx;
        private readonly int _port;
        private readonly System.Text.StringBuilder _output = new();

        private TlsApi(System.Diagnostics.Process process, string pfx, int port)
        {
            _process = process;
            _pfx = pfx;
            _port = port;
        }

        public Uri Url(string path) => new($"https://127.0.0.1:{_port}{path}");

        public static async Task<TlsApi> StartAsync(string authority, string connectionString)
        {
            var port = FreePort.Next();
            var pfx = Path.Combine(Path.GetTempPath(), $"photoapi-tls-{Guid.NewGuid():N}.pfx");
            await File.WriteAllBytesAsync(pfx, ServerCertificate.Export(X509ContentType.Pfx, "test"));
            var api = new TlsApi(ApiProcess.Start(new Dictionary<string, string>
            {
                ["Kestrel__Endpoints__Https__Url"] = $"https://127.0.0.1:{port}",
                ["Kestrel__Endpoints__Https__Certificate__Path"] = pfx,
                ["Kestrel__Endpoints__Https__Certificate__Password"] = "test",
                ["ConnectionStrings__Photos"] = connectionString,
                ["Auth__Authority"] = authority,
                ["Auth__RequireHttpsMetadata"] = "false",
                ["Auth__ClientCertificates__Tls"] = "true",
                ["Auth__ResourceUri"] = $"https://127.0.0.1:{port}",
                ["Logging__LogLevel__Default"] = "Warning",
            }), pfx, port);
            await api.WaitUntilServingAsync();
            return api;
        }

        private async Task WaitUntilServingAsync()
        {
            _process.OutputDataReceived += (_, e) => { lock (_output) { _output.AppendLine(e.Data); } };
            _process.ErrorDataReceived += (_, e) => { lock (_output) { _output.AppendLine(e.Data); } };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
            using var probe = Tls(null, "none");
            for (var i = 0; i < 600 && !_process.HasExited; i++)
            {
                try
                {
                    await probe.GetAsync(Url("/health/live"));
                    return;
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(100);
                }
            }
            await DisposeAsync();
            lock (_output)
            {
                Assert.Fail($"The API process never served HTTPS: {_output}");
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
            await _process.WaitForExitAsync();
            _process.Dispose();
            File.Delete(_pfx);
        }
    }

    [Fact]
    public async Task BehindATrustedProxy_TheClientCertHeaderIsTheCertificate()
    {
        await using var own = await OwnApi.CreateAsync(new Dictionary<string, string?> { ["Auth:ClientCertificates:TrustedProxies"] = "127.0.0.1" });
        var token = own.Issuer.Token(ApiFixture.NewSubject("alice"), claims: BoundTo(_client));

        var withBound = await SendWithClientCertAsync(own.Api, token, _client);
        var withOther = await SendWithClientCertAsync(own.Api, token, SelfSigned("CN=thief", "1.3.6.1.5.5.7.3.2"));
        var withNone = await own.Api.WithToken(token).GetAsync("/v1/photos");
        var metadata = JsonDocument.Parse(await own.Api.Anonymous().GetStringAsync("/.well-known/oauth-protected-resource")).RootElement;

        Assert.Equal(HttpStatusCode.OK, withBound.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, withOther.StatusCode);
        Assert.Equal("invalid_token", HttpAssert.BearerChallenge(withOther)["error"]);
        Assert.Equal(HttpStatusCode.Unauthorized, withNone.StatusCode);
        Assert.True(metadata.GetProperty("tls_client_certificate_bound_access_tokens").GetBoolean());
    }

    [Fact]
    public async Task WithoutATrustedProxy_AClientCertHeaderIsIgnored()
    {
        // A certificate is public: anyone could name it in a header. Only a configured proxy is believed.
        await using var own = await OwnApi.CreateAsync();
        var token = own.Issuer.Token(ApiFixture.NewSubject("alice"), claims: BoundTo(_client));

        var response = await SendWithClientCertAsync(own.Api, token, _client);

        await HttpAssert.Problem(response, HttpStatusCode.Unauthorized);
        Assert.Equal("The access token is bound to a client certificate this request did not present.", HttpAssert.BearerChallenge(response)["error_description"]);
    }

    private static Task<HttpResponseMessage> SendWithClientCertAsync(PhotoApiFactory api, string token, X509Certificate2 certificate)
    {
        var client = api.WithToken(token);
        // RFC 9440 §2.2: the DER certificate as a structured-field byte sequence.
        client.DefaultRequestHeaders.TryAddWithoutValidation("Client-Cert", $":{Convert.ToBase64String(certificate.RawData)}:");
        return client.GetAsync("/v1/photos");
    }

    private static HttpClient Tls(X509Certificate2? certificate, string token)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                // The test server's certificate is self-signed: pinned. What is under test is the client's.
                RemoteCertificateValidationCallback = (_, server, _, _) => server is not null && server.GetCertHashString() == ServerCertificate.GetCertHashString(),
                LocalCertificateSelectionCallback = (_, _, _, _, _) => certificate!,
                ClientCertificates = certificate is null ? null : new X509CertificateCollection { certificate },
            },
        };
        var client = new HttpClient(handler);
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static X509Certificate2 SelfSigned(string subject, string usage)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usage)], critical: false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        // Through PKCS#12 so that SslStream on Linux can use the private key.
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null);
    }
}
