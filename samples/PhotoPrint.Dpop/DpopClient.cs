using System.Net;
using System.Net.Http.Headers;
using Duende.IdentityModel.Client;

namespace PhotoPrint.Dpop;

/// <summary>Where the client gets its token and which app it is (a confidential client with the client credentials grant).</summary>
public sealed record DpopClientOptions(Uri Issuer, Uri Api)
{
    public string ClientId { get; init; } = "photo-admin-job";

    public string ClientSecret { get; init; } = "photo-admin-job-secret";

    public string Scope { get; init; } = "photos.admin";
}

/// <summary>The issuer refused the token request.</summary>
public sealed class TokenRequestException(string error, string? description)
    : Exception(description is null ? error : $"{error}: {description}")
{
    public string Error { get; } = error;
}

/// <summary>
/// A client of a DPoP-protected API (RFC 9449): gets a token bound to its key from the issuer (Duende.IdentityModel carries
/// the proof and reads the DPoP-Nonce), then sends every API request with <c>Authorization: DPoP</c> and a fresh proof.
/// A <c>use_dpop_nonce</c> answer from either server is retried once with the nonce it gave (§8, §9).
/// </summary>
public sealed class DpopClient(HttpClient http, DpopClientOptions options, DpopKey key)
{
    private string? _issuerNonce;
    private string? _apiNonce;

    public string? AccessToken { get; private set; }

    public string? TokenType { get; private set; }

    public async Task<string> GetTokenAsync(CancellationToken cancellationToken = default)
    {
        // Plain HTTP is allowed on loopback only (Duende's default policy), so the dev issuer works and a real one needs TLS.
        var discovery = await http.GetDiscoveryDocumentAsync(options.Issuer.AbsoluteUri, cancellationToken);
        if (discovery.IsError)
        {
            throw new InvalidOperationException($"Discovery at {options.Issuer} failed: {discovery.Error}");
        }
        var tokenEndpoint = new Uri(discovery.TokenEndpoint!);

        var response = await RequestTokenAsync(tokenEndpoint, cancellationToken);
        if (response.Error == "use_dpop_nonce" && response.DPoPNonce is not null)
        {
            response = await RequestTokenAsync(tokenEndpoint, cancellationToken); // §8: once more, with the issuer's nonce
        }
        if (response.IsError)
        {
            throw new TokenRequestException(response.Error ?? "token_request_failed", response.ErrorDescription);
        }
        AccessToken = response.AccessToken!;
        TokenType = response.TokenType;
        return AccessToken;
    }

    private async Task<TokenResponse> RequestTokenAsync(Uri tokenEndpoint, CancellationToken cancellationToken)
    {
        var response = await http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = tokenEndpoint.AbsoluteUri,
            ClientId = options.ClientId,
            ClientSecret = options.ClientSecret,
            Scope = options.Scope,
            // §5: no ath at the token endpoint, there is no access token yet.
            DPoPProofToken = key.CreateProof(HttpMethod.Post, tokenEndpoint, nonce: _issuerNonce),
        }, cancellationToken);
        _issuerNonce = response.DPoPNonce ?? _issuerNonce;
        return response;
    }

    /// <summary>GET <paramref name="path"/> on the API with the token and a proof of this client's key.</summary>
    public async Task<HttpResponseMessage> GetAsync(string path, CancellationToken cancellationToken = default)
    {
        var url = new Uri(options.Api, path);
        var response = await SendAsync(url, key, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Unauthorized && AsksForNonce(response))
        {
            response.Dispose();
            response = await SendAsync(url, key, cancellationToken); // §9: once more, with the API's nonce
        }
        return response;
    }

    /// <summary>What a thief who copied the token would try: send it as a plain Bearer token (§7.2 says the API must refuse).</summary>
    public Task<HttpResponseMessage> GetAsBearerAsync(string path, CancellationToken cancellationToken = default)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(options.Api, path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AccessToken);
        return http.SendAsync(request, cancellationToken);
    }

    /// <summary>A thief with the token and a key of their own: a valid proof, but not of the key the token is bound to.</summary>
    public async Task<HttpResponseMessage> GetWithAnotherKeyAsync(string path, CancellationToken cancellationToken = default)
    {
        using var thiefsKey = new DpopKey();
        return await SendAsync(new Uri(options.Api, path), thiefsKey, cancellationToken);
    }

    private async Task<HttpResponseMessage> SendAsync(Uri url, DpopKey proofKey, CancellationToken cancellationToken)
    {
        var token = AccessToken ?? throw new InvalidOperationException("Get a token first.");
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        // Authorization: DPoP <token> and DPoP: <proof with ath> (§7.1).
        request.SetDPoPToken(token, proofKey.CreateProof(HttpMethod.Get, url, token, _apiNonce));
        var response = await http.SendAsync(request, cancellationToken);
        // §8.2: a server may hand out the next nonce on any response.
        if (response.Headers.TryGetValues("DPoP-Nonce", out var nonces))
        {
            _apiNonce = nonces.FirstOrDefault() ?? _apiNonce;
        }
        return response;
    }

    private static bool AsksForNonce(HttpResponseMessage response) =>
        response.Headers.WwwAuthenticate.Any(challenge =>
            challenge.Scheme.Equals("DPoP", StringComparison.OrdinalIgnoreCase)
            && challenge.Parameter?.Contains("error=\"use_dpop_nonce\"", StringComparison.Ordinal) == true)
        && response.Headers.Contains("DPoP-Nonce");
}
