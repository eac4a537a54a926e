using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.RateLimiting;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace PhotoApi.Auth.Introspection;

/// <summary>What an introspection call said: the RFC 7662 §2.2 members of an active token, inactive, or nothing usable.</summary>
public readonly record struct IntrospectionAnswer(IntrospectionOutcome Outcome, JsonObject? Members = null)
{
    public static readonly IntrospectionAnswer Inactive = new(IntrospectionOutcome.Inactive);
    public static readonly IntrospectionAnswer Unavailable = new(IntrospectionOutcome.Unavailable);
    public static readonly IntrospectionAnswer RateLimited = new(IntrospectionOutcome.RateLimited);
}

public enum IntrospectionOutcome
{
    Active,
    Inactive,
    /// <summary>The issuer could not be reached, timed out, refused our credentials or answered something unusable: not the token's fault.</summary>
    Unavailable,
    /// <summary>The per-issuer call budget is used up; no call was made.</summary>
    RateLimited,
}

/// <summary>
/// One issuer's introspection endpoint (RFC 7662 §2): authenticates as the resource server's own client, sends the token,
/// reads a JSON answer or an RFC 9701 signed one, at most <see cref="IntrospectionCallOptions.PermitsPerSecond"/> calls per
/// second (a token bucket refilled on the API's clock), each bounded by <see cref="IntrospectionCallOptions.Timeout"/>.
/// Logs name the issuer and the outcome, never the token.
/// </summary>
public sealed class IntrospectionClient : IDisposable
{
    public const string HttpClientName = "token-introspection";
    private const string JwtResponseType = "application/token-introspection+jwt";
    private const string AssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    private readonly TrustedIssuer _issuer;
    private readonly HttpClient _http;
    private readonly AuthOptions _auth;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TokenBucketRateLimiter _limiter;
    private readonly ITimer _refill;
    private readonly SigningCredentials? _clientKey;
    private readonly JsonWebTokenHandler _jwts = new() { MapInboundClaims = false };

    internal IntrospectionClient(TrustedIssuer issuer, HttpClient http, AuthOptions auth, TimeProvider time, ILogger logger)
    {
        _issuer = issuer;
        _http = http;
        _auth = auth;
        _time = time;
        _logger = logger;
        var calls = auth.IntrospectionCalls;
        // Refilled by a timer on the API's clock (not the limiter's own), so the budget is exact and testable with a fake clock.
        _limiter = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = calls.Burst,
            TokensPerPeriod = calls.PermitsPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            AutoReplenishment = false,
            QueueLimit = 0,
        });
        _refill = time.CreateTimer(_ => _limiter.TryReplenish(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        var options = issuer.Introspection;
        if (options.ClientAuthentication == ClientAuthenticationMethod.PrivateKeyJwt && options.ClientKeyFile is { } keyFile)
        {
            _clientKey = LoadSigningKey(File.ReadAllText(keyFile), options.ClientKeyId);
        }
    }

    /// <summary>Asks the issuer about <paramref name="token"/>; never throws for anything the network or the issuer does.</summary>
    public async Task<IntrospectionAnswer> IntrospectAsync(string token)
    {
        using var lease = _limiter.AttemptAcquire();
        if (!lease.IsAcquired)
        {
            Count("rate_limited");
            return IntrospectionAnswer.RateLimited;
        }
        var answer = await CallAsync(token);
        Count(answer.Outcome switch
        {
            IntrospectionOutcome.Active => "active",
            IntrospectionOutcome.Inactive => "inactive",
            _ => "failure",
        });
        return answer;
    }

    private async Task<IntrospectionAnswer> CallAsync(string token)
    {
        var options = _issuer.Introspection;
        try
        {
            var keys = await _issuer.Keys.GetAsync();
            var endpoint = options.Endpoint ?? keys?.IntrospectionEndpoint;
            if (endpoint is null)
            {
                _logger.LogWarning("Cannot introspect at {Issuer}: its discovery document names no introspection_endpoint (or could not be fetched) and Introspection__Endpoint is not set.", _issuer.Issuer);
                return IntrospectionAnswer.Unavailable;
            }

            using var request = new HttpRequestMessage(HttpMethod.Post, endpoint);
            // RFC 7662 §2.1: token, and the hint that it is an access token.
            var form = new List<KeyValuePair<string, string>> { new("token", token), new("token_type_hint", "access_token") };
            Authenticate(request, form, endpoint, keys?.Issuer ?? _issuer.Issuer);
            request.Content = new FormUrlEncodedContent(form);
            // RFC 9701 §4: asking for a signed answer; otherwise plain JSON (RFC 7662 §2.2).
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(options.JwtResponse ? JwtResponseType : "application/json"));

            using var response = await _http.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode)
            {
                // RFC 7662 §2.3: 401 means our client credentials were refused; either way the token may be fine.
                _logger.LogWarning("Introspection at {Issuer} answered {Status}.", _issuer.Issuer, (int)response.StatusCode);
                return IntrospectionAnswer.Unavailable;
            }

            var mediaType = response.Content.Headers.ContentType?.MediaType;
            JsonObject? members;
            if (string.Equals(mediaType, JwtResponseType, StringComparison.OrdinalIgnoreCase))
            {
                members = await VerifySignedAnswerAsync(body.Trim());
            }
            else if (options.JwtResponse)
            {
                // Asked for a signed answer and got an unsigned one: an attacker in the middle could have written it.
                _logger.LogWarning("Introspection at {Issuer} answered {MediaType}, not a signed {Expected} (Introspection__JwtResponse is on).", _issuer.Issuer, mediaType, JwtResponseType);
                return IntrospectionAnswer.Unavailable;
            }
            else
            {
                members = JsonNode.Parse(body, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false }) as JsonObject;
            }

            if (members is null || members["active"] is not JsonValue active || active.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
            {
                // RFC 7662 §2.2: "active" is REQUIRED and a boolean; anything else is not an answer.
                _logger.LogWarning("Introspection at {Issuer} answered without a boolean \"active\".", _issuer.Issuer);
                return IntrospectionAnswer.Unavailable;
            }
            return active.GetValue<bool>() ? new IntrospectionAnswer(IntrospectionOutcome.Active, members) : IntrospectionAnswer.Inactive;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException or JsonException or InvalidOperationException or ArgumentException or SecurityTokenException)
        {
            _logger.LogWarning("Introspection at {Issuer} failed: {Reason}.", _issuer.Issuer, e is OperationCanceledException ? "timed out" : e.GetType().Name);
            return IntrospectionAnswer.Unavailable;
        }
    }

    /// <summary>RFC 7662 §2.1: the resource server authenticates as a client, by the method configured.</summary>
    private void Authenticate(HttpRequestMessage request, List<KeyValuePair<string, string>> form, string endpoint, string issuer)
    {
        var options = _issuer.Introspection;
        var clientId = options.ClientId!;
        switch (options.ClientAuthentication)
        {
            case ClientAuthenticationMethod.ClientSecretBasic:
                // RFC 6749 §2.3.1: id and secret are form-encoded before they are joined and base64-encoded.
                var credentials = $"{Uri.EscapeDataString(clientId)}:{Uri.EscapeDataString(options.ClientSecret ?? "")}";
                request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
                break;
            case ClientAuthenticationMethod.ClientSecretPost:
                form.Add(new("client_id", clientId));
                form.Add(new("client_secret", options.ClientSecret ?? ""));
                break;
            case ClientAuthenticationMethod.PrivateKeyJwt:
                form.Add(new("client_id", clientId));
                form.Add(new("client_assertion_type", AssertionType));
                form.Add(new("client_assertion", ClientAssertion(clientId, endpoint, issuer)));
                break;
        }
    }

    /// <summary>RFC 7523 §3: iss and sub are the client, aud the endpoint called (§3 allows it; Okta requires it), short-lived, unique jti.</summary>
    private string ClientAssertion(string clientId, string endpoint, string issuer)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        return _jwts.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = clientId,
            Audience = endpoint,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(1),
            Claims = new Dictionary<string, object>
            {
                ["sub"] = clientId,
                ["jti"] = Guid.NewGuid().ToString("N"),
            },
            SigningCredentials = _clientKey ?? throw new InvalidOperationException($"No private key for private_key_jwt at {issuer}."),
        });
    }

    /// <summary>
    /// RFC 9701 §5: a JWT of type <c>token-introspection+jwt</c> signed by the issuer (its published keys), for us (<c>aud</c> is our
    /// client id), carrying the RFC 7662 members in <c>token_introspection</c>.
    /// </summary>
    private async Task<JsonObject?> VerifySignedAnswerAsync(string jws)
    {
        var jwt = new JsonWebToken(jws);
        if (!_auth.ValidAlgorithms.Contains(jwt.Alg, StringComparer.Ordinal))
        {
            throw new SecurityTokenInvalidAlgorithmException("The signed introspection answer uses an algorithm that is not allowed.");
        }
        var keys = await _issuer.Keys.GetAsync();
        if (keys is not null && !string.IsNullOrEmpty(jwt.Kid) && !keys.HasKeyId(jwt.Kid))
        {
            keys = await _issuer.Keys.RefreshForUnknownKeyAsync(jwt.Kid) ?? keys;
        }
        if (keys is null)
        {
            throw new SecurityTokenSignatureKeyNotFoundException("The issuer's keys are unavailable.");
        }
        var result = await _jwts.ValidateTokenAsync(jwt, new TokenValidationParameters
        {
            ValidIssuer = keys.Issuer,
            ValidAudience = _issuer.Introspection.ClientId,
            IssuerSigningKeys = keys.Candidates(string.IsNullOrEmpty(jwt.Kid) ? null : jwt.Kid, jwt.Alg).Select(k => (SecurityKey)k.Key),
            TryAllIssuerSigningKeys = false,
            RequireSignedTokens = true,
            // RFC 9701 §5 requires iat, not exp.
            RequireExpirationTime = false,
            ValidateLifetime = false,
            ValidAlgorithms = _auth.ValidAlgorithms,
            ValidTypes = ["token-introspection+jwt", JwtResponseType],
        });
        if (!result.IsValid)
        {
            throw new SecurityTokenValidationException($"The signed introspection answer is not valid ({result.Exception?.GetType().Name}).");
        }
        using var payload = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(jwt.EncodedPayload), new JsonDocumentOptions { AllowDuplicateProperties = false });
        return payload.RootElement.TryGetProperty("token_introspection", out var members) && members.ValueKind == JsonValueKind.Object
            ? JsonNode.Parse(members.GetRawText()) as JsonObject
            : null;
    }

    private void Count(string outcome) =>
        AuthMetrics.Introspections.Add(1, new KeyValuePair<string, object?>("issuer", _issuer.Issuer), new KeyValuePair<string, object?>("outcome", outcome));

    /// <summary>An RSA or EC private key from PEM, with the algorithm its type and curve call for (RFC 7518 §3.1).</summary>
    internal static SigningCredentials LoadSigningKey(string pem, string? keyId)
    {
        if (pem.Contains("EC PRIVATE KEY", StringComparison.Ordinal) || IsEcPkcs8(pem))
        {
            var ec = ECDsa.Create();
            ec.ImportFromPem(pem);
            var algorithm = ec.KeySize switch { 256 => SecurityAlgorithms.EcdsaSha256, 384 => SecurityAlgorithms.EcdsaSha384, _ => SecurityAlgorithms.EcdsaSha512 };
            return new SigningCredentials(new ECDsaSecurityKey(ec) { KeyId = keyId }, algorithm);
        }
        var rsa = RSA.Create();
        rsa.ImportFromPem(pem);
        return new SigningCredentials(new RsaSecurityKey(rsa) { KeyId = keyId }, SecurityAlgorithms.RsaSha256);
    }

    private static bool IsEcPkcs8(string pem)
    {
        try
        {
            using var ec = ECDsa.Create();
            ec.ImportFromPem(pem);
            return true;
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        _refill.Dispose();
        _limiter.Dispose();
    }
}
