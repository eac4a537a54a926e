using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace PhotoApi.Tests.Infrastructure;

/// <summary>
/// A loopback authorization server with an RFC 7662 introspection endpoint, for the stories a real one cannot stage: it
/// counts calls, checks the resource server's client authentication (Basic, form post, or an RFC 7523 assertion signed by
/// <see cref="ClientKey"/>), can hold answers back, sign them (RFC 9701), or stop listening.
/// </summary>
public sealed class IntrospectingIssuer : IAsyncDisposable
{
    public const string ClientId = "photo-api";
    public const string ClientSecret = "photo-api-secret";

    private readonly ConcurrentDictionary<string, Dictionary<string, object?>> _active = new(StringComparer.Ordinal);
    private WebApplication? _app;
    private int _calls;

    private IntrospectingIssuer()
    {
    }

    public int Port { get; private set; }

    public string Authority => $"http://127.0.0.1:{Port}";

    public string Endpoint => $"{Authority}/introspect";

    public SigningKey SigningKey { get; } = SigningKey.EC("issuer-ec");

    /// <summary>The resource server's own key for private_key_jwt (its public half is what the issuer has registered).</summary>
    public SigningKey ClientKey { get; } = SigningKey.EC("photo-api-key");

    /// <summary>Introspection calls received (any answer).</summary>
    public int Calls => Volatile.Read(ref _calls);

    /// <summary>How the last call authenticated: "basic", "post", "private_key_jwt", or null when it did not.</summary>
    public string? LastClientAuthentication { get; private set; }

    /// <summary>Answer with RFC 9701 signed JWTs (signed with this key; another issuer's key makes a forgery).</summary>
    public bool SignAnswers { get; set; }

    public SigningKey? AnswerKey { get; set; }

    /// <summary>When set, answers wait for it (so concurrent requests overlap).</summary>
    public TaskCompletionSource? Gate { get; set; }

    public static async Task<IntrospectingIssuer> StartAsync()
    {
        var issuer = new IntrospectingIssuer();
        await issuer.ListenAsync(0);
        return issuer;
    }

    /// <summary>An opaque token the issuer says is active, with these RFC 7662 members (null removes a default one).</summary>
    public string Issue(string subject = "alice", string scope = "photos.read", TimeSpan? lifetime = null, IDictionary<string, object?>? members = null, DateTimeOffset? now = null)
    {
        var token = Convert.ToBase64String(Guid.NewGuid().ToByteArray()).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var issuedAt = now ?? DateTimeOffset.UtcNow;
        var answer = new Dictionary<string, object?>
        {
            ["active"] = true,
            ["sub"] = subject,
            ["client_id"] = "photoprint",
            ["scope"] = scope,
            ["aud"] = "photo-api",
            ["iat"] = issuedAt.ToUnixTimeSeconds(),
            ["exp"] = issuedAt.Add(lifetime ?? TimeSpan.FromHours(1)).ToUnixTimeSeconds(),
            ["token_type"] = "Bearer",
        };
        foreach (var (name, value) in members ?? new Dictionary<string, object?>())
        {
            answer[name] = value;
        }
        foreach (var name in answer.Where(a => a.Value is null).Select(a => a.Key).ToList())
        {
            answer.Remove(name);
        }
        _active[token] = answer;
        return token;
    }

    /// <summary>The issuer forgets the token: from now on it answers active=false (revocation).</summary>
    public void Revoke(string token) => _active.TryRemove(token, out _);

    private async Task ListenAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        app.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = Authority,
            ["jwks_uri"] = $"{Authority}/jwks",
            ["introspection_endpoint"] = Endpoint,
            ["token_endpoint"] = $"{Authority}/token",
        }));
        app.MapGet("/jwks", () => Results.Json(new Dictionary<string, object> { ["keys"] = new[] { SigningKey.PublicJwk } }));
        app.MapPost("/introspect", (Delegate)IntrospectAsync);
        await app.StartAsync();
        _app = app;
        Port = new Uri(app.Urls.First()).Port;
    }

    private async Task<IResult> IntrospectAsync(HttpContext http)
    {
        Interlocked.Increment(ref _calls);
        var form = await http.Request.ReadFormAsync();
        LastClientAuthentication = await AuthenticatedAsync(http.Request, form);
        if (LastClientAuthentication is null)
        {
            return Results.Json(new { error = "invalid_client" }, statusCode: 401); // RFC 7662 §2.3
        }
        if (Gate is { } gate)
        {
            await gate.Task;
        }
        var token = form["token"].ToString();
        object answer = _active.TryGetValue(token, out var members) ? members : new Dictionary<string, object?> { ["active"] = false };
        if (!SignAnswers)
        {
            return Results.Json(answer);
        }
        // RFC 9701 §5: typ token-introspection+jwt, iss, aud = the resource server, iat, and the answer in token_introspection.
        var key = AnswerKey ?? SigningKey;
        var jwt = Jws.Encode(
            new Dictionary<string, object> { ["alg"] = key.Algorithm, ["kid"] = key.KeyId, ["typ"] = "token-introspection+jwt" },
            new Dictionary<string, object> { ["iss"] = Authority, ["aud"] = ClientId, ["iat"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), ["token_introspection"] = answer },
            key);
        return Results.Text(jwt, "application/token-introspection+jwt", Encoding.ASCII);
    }

    private async Task<string?> AuthenticatedAsync(HttpRequest request, IFormCollection form)
    {
        if (request.Headers.Authorization.ToString() is { Length: > 6 } basic && basic.StartsWith("Basic ", StringComparison.Ordinal))
        {
            var pair = Encoding.UTF8.GetString(Convert.FromBase64String(basic[6..])).Split(':', 2);
            return pair is [ClientId, ClientSecret] ? "basic" : null;
        }
        if (form["client_secret"].ToString() is { Length: > 0 } secret)
        {
            return form["client_id"] == ClientId && secret == ClientSecret ? "post" : null;
        }
        if (form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
        {
            // RFC 7523 §3: iss = sub = the client, aud = this endpoint, signed with the client's registered key, not expired.
            var result = await new JsonWebTokenHandler().ValidateTokenAsync(form["client_assertion"].ToString(), new TokenValidationParameters
            {
                ValidIssuer = ClientId,
                ValidAudience = Endpoint,
                IssuerSigningKey = ClientKey.Key,
                RequireExpirationTime = true,
            });
            return result.IsValid && result.Claims.TryGetValue("sub", out var sub) && (string)sub == ClientId && result.Claims.ContainsKey("jti") ? "private_key_jwt" : null;
        }
        return null;
    }

    /// <summary>Stops listening: calls are refused until <see cref="ResumeAsync"/>.</summary>
    public async Task StopListeningAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
        }
    }

    public Task ResumeAsync() => ListenAsync(Port);

    public async ValueTask DisposeAsync() => await StopListeningAsync();
}
