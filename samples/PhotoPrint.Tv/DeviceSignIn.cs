using Duende.IdentityModel.Client;

namespace PhotoPrint.Tv;

/// <summary>Where the TV signs in and what it asks for; everything else comes from the issuer's discovery document.</summary>
public sealed record TvOptions(Uri Issuer, Uri Api)
{
    public string ClientId { get; init; } = "photoprint-tv";

    public string Scope { get; init; } = "openid profile photos.read offline_access";
}

/// <summary>What the TV shows the user: a short code and where to type it (RFC 8628 §3.2).</summary>
public sealed record DeviceAuthorization(
    string DeviceCode, string UserCode, string VerificationUri, string? VerificationUriComplete, TimeSpan Interval, DateTimeOffset ExpiresAt);

/// <summary>The issuer refused: access_denied (the user said no), expired_token (nobody answered in time), or another error.</summary>
public sealed class DeviceSignInException(string error, string? description)
    : Exception(description is null ? error : $"{error}: {description}")
{
    public string Error { get; } = error;
}

/// <summary>
/// The device authorization grant (RFC 8628) with Duende.IdentityModel: discovery, the device request, then polling the
/// token endpoint at the issuer's interval until the user has answered on another device.
/// </summary>
public sealed class DeviceSignIn(HttpClient http, TvOptions options, TimeProvider time)
{
    private DiscoveryDocumentResponse? _discovery;

    public async Task<DiscoveryDocumentResponse> DiscoverAsync(CancellationToken cancellationToken = default)
    {
        if (_discovery is not null)
        {
            return _discovery;
        }

        // Plain HTTP is allowed on loopback only (Duende's default policy), so the dev issuer works and a real one needs TLS.
        var discovery = await http.GetDiscoveryDocumentAsync(options.Issuer.AbsoluteUri, cancellationToken);
        if (discovery.IsError)
        {
            throw new InvalidOperationException($"Discovery at {options.Issuer} failed: {discovery.Error}");
        }

        return _discovery = discovery;
    }

    public async Task<DeviceAuthorization> StartAsync(CancellationToken cancellationToken = default)
    {
        var discovery = await DiscoverAsync(cancellationToken);
        var response = await http.RequestDeviceAuthorizationAsync(new DeviceAuthorizationRequest
        {
            Address = discovery.DeviceAuthorizationEndpoint,
            ClientId = options.ClientId,
            Scope = options.Scope,
        }, cancellationToken);
        if (response.IsError)
        {
            throw new DeviceSignInException(response.Error ?? "device_authorization_failed", response.ErrorDescription);
        }

        return new DeviceAuthorization(
            response.DeviceCode!,
            response.UserCode!,
            response.VerificationUri!,
            response.VerificationUriComplete,
            // RFC 8628 §3.2: 5 seconds when the issuer does not say.
            TimeSpan.FromSeconds(response.Interval > 0 ? response.Interval : 5),
            time.GetUtcNow().AddSeconds(response.ExpiresIn ?? 600));
    }

    /// <summary>Polls until the user allows (tokens) or the issuer gives up (<see cref="DeviceSignInException"/>).</summary>
    public async Task<TvSession> WaitForApprovalAsync(DeviceAuthorization device, CancellationToken cancellationToken = default)
    {
        var discovery = await DiscoverAsync(cancellationToken);
        var interval = device.Interval;
        while (true)
        {
            var response = await http.RequestDeviceTokenAsync(new DeviceTokenRequest
            {
                Address = discovery.TokenEndpoint,
                ClientId = options.ClientId,
                DeviceCode = device.DeviceCode,
            }, cancellationToken);

            if (!response.IsError)
            {
                return new TvSession(http, discovery, options, time, TokenSet.From(response, time));
            }

            switch (response.Error)
            {
                case "authorization_pending":
                    break;
                case "slow_down":
                    interval += TimeSpan.FromSeconds(5); // RFC 8628 §3.5: for this and every later poll.
                    break;
                default:
                    throw new DeviceSignInException(response.Error ?? "device_token_failed", response.ErrorDescription);
            }

            await Task.Delay(interval, time, cancellationToken);
        }
    }
}

/// <summary>
/// The tokens the TV holds, in memory only: a real TV keeps the refresh token in the platform's key store
/// (Android Keystore, Apple Keychain), never in a plain file.
/// </summary>
public sealed record TokenSet(string AccessToken, string? RefreshToken, DateTimeOffset ExpiresAt)
{
    public static TokenSet From(TokenResponse response, TimeProvider time) =>
        new(response.AccessToken!, response.RefreshToken, time.GetUtcNow().AddSeconds(response.ExpiresIn));

    /// <summary>Refresh a little early, so a token never expires on its way to the API.</summary>
    public bool ExpiresSoon(TimeProvider time) => time.GetUtcNow() >= ExpiresAt - TimeSpan.FromSeconds(30);
}
