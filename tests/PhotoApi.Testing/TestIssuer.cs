using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace PhotoApi.Testing;

public enum IssuerFault
{
    None,
    /// <summary>Accepts the connection, never answers.</summary>
    Hang,
    /// <summary>Answers 500.</summary>
    ServerError,
}

/// <summary>
/// A real authorization server's metadata over HTTP on loopback: discovery document and JWKS served by Kestrel,
/// with keys the test can rotate and faults it can switch on (hang, 500, stop listening). It also mints tokens, JWTs and
/// opaque ones its RFC 7662 introspection endpoint resolves (without checking the caller: see IntrospectingIssuer for that).
/// </summary>
public sealed class TestIssuer : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> _requests = new();
    private readonly ConcurrentDictionary<string, (string Subject, string Scope)> _opaque = new(StringComparer.Ordinal);
    private WebApplication? _app;

    private readonly string? _issuerSuffix;

    private TestIssuer(int port, string? issuerSuffix)
    {
        _issuerSuffix = issuerSuffix;
        Port = port;
        Authority = $"http://127.0.0.1:{port}{issuerSuffix}";
    }

    public int Port { get; private set; }

    /// <summary>The issuer identifier: what tokens carry as iss and what the API is configured with.</summary>
    public string Authority { get; private set; }

    /// <summary>Keys published in the JWKS (the test may add and remove while the API runs).</summary>
    public List<SigningKey> PublishedKeys { get; } = [];

    /// <summary>The key tokens are signed with unless a test says otherwise.</summary>
    public SigningKey CurrentKey { get; set; } = null!;

    public IssuerFault Fault { get; set; }

    /// <summary>The discovery document names this issuer; tests change it to simulate a misconfigured issuer.</summary>
    public string? DocumentIssuerOverride { get; set; }

    /// <summary>Whether <see cref="Requests"/> records paths (off for load, where the list would only grow).</summary>
    public bool RecordRequests { get; set; } = true;

    /// <summary>Paths requested so far, in order.</summary>
    public IReadOnlyCollection<string> Requests => _requests;

    public int RequestCount(string pathSuffix) => _requests.Count(r => r.EndsWith(pathSuffix, StringComparison.Ordinal));

    /// <param name="key">The current key (an RSA one when null); <paramref name="otherKeys"/> are published beside it.</param>
    /// <param name="port">A fixed loopback port (when another process must know it in advance), or 0 for any free one.</param>
    public static async Task<TestIssuer> StartAsync(SigningKey? key = null, string? issuerSuffix = null, int port = 0, params SigningKey[] otherKeys)
    {
        var issuer = new TestIssuer(port, issuerSuffix);
        key ??= SigningKey.Rsa("rsa-1");
        issuer.PublishedKeys.Add(key);
        issuer.PublishedKeys.AddRange(otherKeys);
        issuer.CurrentKey = key;
        await issuer.ListenAsync(port, issuerSuffix);
        return issuer;
    }

    private async Task ListenAsync(int port, string? issuerSuffix)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var basePath = (issuerSuffix ?? "").TrimEnd('/');
        app.Use(async (context, next) =>
        {
            if (RecordRequests)
            {
                _requests.Enqueue(context.Request.Path.Value ?? "");
            }
            switch (Fault)
            {
                case IssuerFault.Hang:
                    await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                    return;
                case IssuerFault.ServerError:
                    context.Response.StatusCode = 500;
                    return;
                default:
                    await next(context);
                    return;
            }
        });
        app.MapGet($"{basePath}/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = DocumentIssuerOverride ?? Authority,
            ["jwks_uri"] = $"http://127.0.0.1:{Port}{basePath}/jwks",
            ["token_endpoint"] = $"http://127.0.0.1:{Port}{basePath}/token",
            ["introspection_endpoint"] = $"http://127.0.0.1:{Port}{basePath}/introspect",
            ["id_token_signing_alg_values_supported"] = PublishedKeys.Select(k => k.Algorithm).Distinct().ToArray(),
        }));
        app.MapGet($"{basePath}/jwks", () => Results.Json(new Dictionary<string, object>
        {
            ["keys"] = PublishedKeys.Select(k => k.PublicJwk).ToArray(),
        }));
        // RFC 7662 §2.2: an opaque token from Opaque is active for its subject and scope; any other token is not.
        app.MapPost($"{basePath}/introspect", async (HttpRequest request) =>
        {
            var form = await request.ReadFormAsync();
            return _opaque.TryGetValue(form["token"].ToString(), out var grant)
                ? Results.Json(new Dictionary<string, object>
                {
                    ["active"] = true,
                    ["iss"] = Authority,
                    ["sub"] = grant.Subject,
                    ["client_id"] = "photoprint",
                    ["aud"] = "photo-api",
                    ["scope"] = grant.Scope,
                    ["exp"] = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds(),
                    ["token_type"] = "Bearer",
                })
                : Results.Json(new Dictionary<string, object> { ["active"] = false });
        });
        await app.StartAsync();
        _app = app;
        if (Port == 0)
        {
            var address = app.Urls.First();
            Port = new Uri(address).Port;
            Authority = $"http://127.0.0.1:{Port}{issuerSuffix}";
        }
    }

    /// <summary>Stops listening: connections are refused until <see cref="ResumeAsync"/>.</summary>
    public async Task StopListeningAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
        }
    }

    public Task ResumeAsync() => ListenAsync(Port, _issuerSuffix);

    /// <summary>A signed access token with sensible defaults; <paramref name="claims"/> adds, replaces or (with null) removes claims.</summary>
    public string Token(
        string? subject = "alice",
        string scope = "photos.read",
        IDictionary<string, object?>? claims = null,
        IDictionary<string, object?>? header = null,
        SigningKey? key = null,
        TimeSpan? lifetime = null,
        string audience = "photo-api")
    {
        key ??= CurrentKey;
        var now = DateTimeOffset.UtcNow;
        var payload = new Dictionary<string, object?>
        {
            ["iss"] = Authority,
            ["sub"] = subject,
            ["aud"] = audience,
            ["iat"] = now.ToUnixTimeSeconds(),
            ["nbf"] = now.ToUnixTimeSeconds(),
            ["exp"] = now.Add(lifetime ?? TimeSpan.FromMinutes(10)).ToUnixTimeSeconds(),
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["client_id"] = "photoprint",
            ["scope"] = scope,
        };
        Jws.Merge(payload, claims);
        foreach (var name in payload.Where(p => p.Value is null).Select(p => p.Key).ToList())
        {
            payload.Remove(name);
        }
        var head = new Dictionary<string, object?> { ["alg"] = key.Algorithm, ["kid"] = key.KeyId, ["typ"] = "at+jwt" };
        Jws.Merge(head, header);
        return Jws.Encode(head, payload, key);
    }

    /// <summary>An opaque (reference) token: 32 random bytes that only the introspection endpoint can resolve.</summary>
    public string Opaque(string subject = "alice", string scope = "photos.read")
    {
        var token = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        _opaque[token] = (subject, scope);
        return token;
    }

    public async ValueTask DisposeAsync() => await StopListeningAsync();
}
