using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;
using static OpenIddict.Server.OpenIddictServerHandlers;

namespace PhotoApi.DevIssuer.Protocol;

/// <summary>
/// RFC 8628 §3.5's slow_down, which OpenIddict 7.8 does not implement (it answers authorization_pending,
/// access_denied and expired_token itself): a device that polls before its interval is up gets slow_down,
/// and its interval grows by 5 seconds for this and every later request.
/// </summary>
public sealed class DevicePolling(TimeProvider time, IOptions<OpenIddictServerOptions> server)
{
    /// <summary>RFC 8628 §3.2: the default polling interval, which the device authorization response states explicitly.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan Increase = TimeSpan.FromSeconds(5);

    private readonly Dictionary<string, Poll> _polls = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>Records a poll; returns the device's new interval when it came too early, or null.</summary>
    public TimeSpan? TooEarly(string deviceCode)
    {
        // Keyed by a hash: the device code is a bearer credential and has no business sitting in memory in clear.
        var key = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(deviceCode)));
        var now = time.GetUtcNow();
        lock (_gate)
        {
            Forget(now - (server.Value.DeviceCodeLifetime ?? TimeSpan.FromMinutes(10)));
            if (!_polls.TryGetValue(key, out var previous))
            {
                _polls[key] = new Poll(now, DefaultInterval);
                return null;
            }

            var early = now - previous.At < previous.Interval;
            var interval = early ? previous.Interval + Increase : previous.Interval;
            _polls[key] = new Poll(now, interval);
            return early ? interval : null;
        }
    }

    private void Forget(DateTimeOffset before)
    {
        foreach (var (key, poll) in _polls.Where(entry => entry.Value.At < before).ToList())
        {
            _polls.Remove(key);
        }
    }

    private readonly record struct Poll(DateTimeOffset At, TimeSpan Interval);
}

/// <summary>Wires <see cref="DevicePolling"/> into OpenIddict's token and device authorization endpoints.</summary>
public static class DevicePollingHandlers
{
    public static OpenIddictServerBuilder AddDevicePolling(this OpenIddictServerBuilder server) => server
        .AddEventHandler<ValidateTokenRequestContext>(handler => handler
            .UseSingletonHandler<RefusePollingTooFast>()
            .SetOrder(Exchange.ValidateDeviceCodeParameter.Descriptor.Order + 1)
            .SetType(OpenIddictServerHandlerType.Custom))
        .AddEventHandler<ApplyDeviceAuthorizationResponseContext>(handler => handler
            .UseSingletonHandler<StateTheInterval>()
            .SetType(OpenIddictServerHandlerType.Custom))
        .AddEventHandler<ExtractEndUserVerificationRequestContext>(handler => handler
            .UseSingletonHandler<AcceptUserCodesInAnyCase>()
            .SetOrder(int.MaxValue - 100_000) // after the host has read the query or form
            .SetType(OpenIddictServerHandlerType.Custom));

    /// <summary>
    /// People type "bcdf-ghjk" on phones. OpenIddict drops characters outside the charset, lower case included;
    /// RFC 8628 §6.1 asks servers to compare user codes case-insensitively.
    /// </summary>
    public sealed class AcceptUserCodesInAnyCase : IOpenIddictServerHandler<ExtractEndUserVerificationRequestContext>
    {
        public ValueTask HandleAsync(ExtractEndUserVerificationRequestContext context)
        {
            if (context.Request?.UserCode is { Length: > 0 } userCode)
            {
                context.Request.UserCode = userCode.ToUpperInvariant();
            }

            return ValueTask.CompletedTask;
        }
    }

    public sealed class RefusePollingTooFast(DevicePolling polling) : IOpenIddictServerHandler<ValidateTokenRequestContext>
    {
        public ValueTask HandleAsync(ValidateTokenRequestContext context)
        {
            if (context.Request.IsDeviceCodeGrantType() && context.Request.DeviceCode is { Length: > 0 } deviceCode
                && polling.TooEarly(deviceCode) is { } interval)
            {
                context.Reject(Errors.SlowDown,
                    $"Polling too fast: wait at least {interval.TotalSeconds:0} seconds between token requests (RFC 8628 §3.5).");
            }

            return ValueTask.CompletedTask;
        }
    }

    public sealed class StateTheInterval : IOpenIddictServerHandler<ApplyDeviceAuthorizationResponseContext>
    {
        public ValueTask HandleAsync(ApplyDeviceAuthorizationResponseContext context)
        {
            if (context.Response.Error is null && context.Response.DeviceCode is not null)
            {
                context.Response[Parameters.Interval] = (long)DevicePolling.DefaultInterval.TotalSeconds;
            }

            return ValueTask.CompletedTask;
        }
    }
}
