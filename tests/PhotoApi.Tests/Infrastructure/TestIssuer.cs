using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace PhotoApi.Tests.Infrastructure;

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
/// with keys the test can rotate and faults it can switch on (hang, 500, stop listening). It also mints tokens.
/// </summary>
public sealed class TestIssuer : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> _requests = new();
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

    /// <summary>Paths requested so far, in order.</summary>
    public IReadOnlyCollection<string> Requests => _requests;

    public int RequestCount(string pathSuffix) => _requests.Count(r => r.EndsWith(pathSuffix, StringComparison.Ordinal));

    public static async Task<TestIssuer> StartAsync(SigningKey? key = null, string? issuerSuffix = null)
    {
        var issuer = new TestIssuer(0, issuerSuffix);
        key ??= SigningKey.Rsa("rsa-1");
        issuer.PublishedKeys.Add(key);
        issuer.CurrentKey = key;
        await issuer.ListenAsync(0, issuerSuffix);
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
            _requests.Enqueue(context.Request.Path.Value ?? "");
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
            ["id_token_signing_alg_values_supported"] = new[] { "RS256", "ES256" },
        }));
        app.MapGet($"{basePath}/jwks", () => Results.Json(new Dictionary<string, object>
        {
            ["keys"] = PublishedKeys.Select(k => k.PublicJwk).ToArray(),
        }));
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
        Merge(payload, claims);
        foreach (var name in payload.Where(p => p.Value is null).Select(p => p.Key).ToList())
        {
            payload.Remove(name);
        }
        var head = new Dictionary<string, object?> { ["alg"] = key.Algorithm, ["kid"] = key.KeyId, ["typ"] = "at+jwt" };
        Merge(head, header);
        return Jws.Encode(head, payload, key);
    }

    private static void Merge(Dictionary<string, object?> target, IDictionary<string, object?>? changes)
    {
        foreach (var (name, value) in changes ?? new Dictionary<string, object?>())
        {
            if (value is null)
            {
                target.Remove(name);
            }
            else
            {
                target[name] = value;
            }
        }
    }

    public async ValueTask DisposeAsync() => await StopListeningAsync();
}
