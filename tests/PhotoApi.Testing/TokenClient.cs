namespace PhotoApi.Testing;

/// <summary>An OAuth client's back channel: the token, revocation and introspection endpoints.</summary>
public sealed class TokenClient(Uri baseAddress) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = baseAddress };

    /// <summary>When set, every request carries these DPoP headers, made for the endpoint's URL (RFC 9449 §5).</summary>
    public Func<Uri, string[]>? Dpop { get; set; }

    public Task<TokenResponse> ClientCredentialsAsync(string clientId, string clientSecret, string? scope = null) =>
        PostAsync("connect/token", clientId, clientSecret, new()
        {
            ["grant_type"] = "client_credentials",
            ["scope"] = scope,
        });

    public Task<TokenResponse> ExchangeCodeAsync(Client client, string code, string codeVerifier, string? redirectUri = null) =>
        PostAsync("connect/token", client.Id, client.Secret, new()
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["code_verifier"] = codeVerifier,
            ["redirect_uri"] = redirectUri ?? client.RedirectUri,
        });

    public Task<TokenResponse> RefreshAsync(Client client, string refreshToken) =>
        PostAsync("connect/token", client.Id, client.Secret, new()
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = refreshToken,
        });

    public Task<TokenResponse> RevokeAsync(Client client, string token, string tokenTypeHint = "refresh_token") =>
        PostAsync("connect/revoke", client.Id, client.Secret, new()
        {
            ["token"] = token,
            ["token_type_hint"] = tokenTypeHint,
        });

    /// <summary>RFC 8628 §3.1: the device asks for a device code and a user code.</summary>
    public Task<TokenResponse> AuthorizeDeviceAsync(Client client, string scope) =>
        PostAsync("connect/device", client.Id, client.Secret, new() { ["scope"] = scope });

    /// <summary>RFC 8628 §3.4: one poll of the token endpoint.</summary>
    public Task<TokenResponse> PollAsync(Client client, string deviceCode) =>
        PostAsync("connect/token", client.Id, client.Secret, new()
        {
            ["grant_type"] = "urn:ietf:params:oauth:grant-type:device_code",
            ["device_code"] = deviceCode,
        });

    public Task<TokenResponse> IntrospectAsync(Client client, string token) =>
        PostAsync("connect/introspect", client.Id, client.Secret, new() { ["token"] = token });

    /// <summary>Any token request, e.g. a grant the issuer should refuse.</summary>
    public Task<TokenResponse> TokenRequestAsync(Client client, Dictionary<string, string?> form) =>
        PostAsync("connect/token", client.Id, client.Secret, form);

    public void Dispose() => _http.Dispose();

    private async Task<TokenResponse> PostAsync(string path, string clientId, string? clientSecret, Dictionary<string, string?> form)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        if (clientSecret is null)
        {
            form["client_id"] = clientId; // Public client: identifies itself, cannot authenticate.
        }
        else
        {
            // RFC 6749 §2.3.1: form-urlencode, then Basic.
            var credentials = $"{Uri.EscapeDataString(clientId)}:{Uri.EscapeDataString(clientSecret)}";
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
        }

        foreach (var proof in Dpop?.Invoke(new Uri(baseAddress, path)) ?? [])
        {
            request.Headers.TryAddWithoutValidation("DPoP", proof);
        }

        request.Content = new FormUrlEncodedContent(form.Where(p => p.Value is not null).Select(p => new KeyValuePair<string, string>(p.Key, p.Value!)));
        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var body = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        var nonce = response.Headers.TryGetValues("DPoP-Nonce", out var nonces) ? nonces.Single() : null;
        return new TokenResponse(response.StatusCode, body, response.Content.Headers.ContentType?.MediaType, nonce);
    }
}

public sealed record TokenResponse(HttpStatusCode Status, JsonElement Body, string? ContentType, string? DpopNonce = null)
{
    public string? AccessToken => Get("access_token");

    public string? RefreshToken => Get("refresh_token");

    public string? Error => Get("error");

    public string? Scope => Get("scope");

    public string? TokenType => Get("token_type");

    public string? IdToken => Get("id_token");

    public string? ErrorDescription => Get("error_description");

    public long? Number(string name) =>
        Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number
            ? value.GetInt64()
            : null;

    public string? Get(string name) =>
        Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    /// <summary>The endpoint refused the request with <paramref name="status"/> and this RFC 6749 §5.2 error code.</summary>
    public void AssertError(HttpStatusCode status, string error)
    {
        Assert.True(Status == status && Error == error, $"Expected {(int)status} {error} but got {(int)Status}: {Body}");
    }

    public TokenResponse EnsureTokens()
    {
        Assert.True(Status == HttpStatusCode.OK && AccessToken is not null, $"Expected tokens but got {(int)Status}: {Body}");
        return this;
    }
}

/// <summary>The clients configured in the dev issuer's appsettings.json.</summary>
public sealed record Client(string Id, string? Secret, string RedirectUri)
{
    public static readonly Client PhotoPrint = new("photoprint", "photoprint-secret", "http://localhost:5002/callback");

    public static readonly Client Swagger = new("swagger", null, DevIssuerHost.SwaggerTestRedirectUri);

    /// <summary>A public device-flow client (RFC 8628): no redirect URI, no secret.</summary>
    public static readonly Client Tv = new("photoprint-tv", null, "");
}
