using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace PhotoApi.Auth;

/// <summary>
/// Keeps every issuer's keys fresh in the background: fetches them at start-up without delaying it (retrying with backoff
/// until each has keys), then re-reads them every <see cref="AuthOptions.KeyRefreshInterval"/>. A timer, not requests,
/// drives the refresh, because requests with cached tokens never look at the keys and a withdrawn key must still drop out.
/// </summary>
public sealed class IssuerKeysRefresher(TrustedIssuers issuers, IOptions<AuthOptions> options, TimeProvider time, ILogger<IssuerKeysRefresher> logger) : BackgroundService
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(issuers.All.Select(issuer => KeepFreshAsync(issuer, stoppingToken)));

    private async Task KeepFreshAsync(TrustedIssuer issuer, CancellationToken stoppingToken)
    {
        await WarmUpAsync(issuer, stoppingToken);
        using var timer = new PeriodicTimer(options.Value.KeyRefreshInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await issuer.Keys.RefreshScheduledAsync();
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }

    private async Task WarmUpAsync(TrustedIssuer issuer, CancellationToken stoppingToken)
    {
        var backoff = TimeSpan.FromMilliseconds(250);
        while (!stoppingToken.IsCancellationRequested && issuer.Keys.Current is null)
        {
            if (await issuer.Keys.RefreshScheduledAsync() is not null)
            {
                return;
            }
            logger.LogInformation("Signing keys of {Issuer} are not available yet; retrying in {Delay}.", issuer.Issuer, backoff);
            try
            {
                await Task.Delay(backoff, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
        }
    }
}

/// <summary>Readiness: the API can validate tokens only once it holds keys for every trusted issuer.</summary>
public sealed class IssuerKeysHealthCheck(TrustedIssuers issuers) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var missing = issuers.All.Where(i => i.Keys.Current is not { Keys.Count: > 0 }).Select(i => i.Issuer).ToList();
        return Task.FromResult(missing.Count == 0
            ? HealthCheckResult.Healthy($"Signing keys held for {issuers.All.Count} issuer(s).")
            : HealthCheckResult.Unhealthy($"No usable signing keys for: {string.Join(", ", missing)}."));
    }
}
