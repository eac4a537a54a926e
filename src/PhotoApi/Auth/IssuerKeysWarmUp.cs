using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace PhotoApi.Auth;

/// <summary>Fetches every issuer's keys at start-up without delaying it, retrying with backoff until each has keys.</summary>
public sealed class IssuerKeysWarmUp(TrustedIssuers issuers, ILogger<IssuerKeysWarmUp> logger) : BackgroundService
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(issuers.All.Select(issuer => WarmUpAsync(issuer, stoppingToken)));

    private async Task WarmUpAsync(TrustedIssuer issuer, CancellationToken stoppingToken)
    {
        var backoff = TimeSpan.FromMilliseconds(250);
        while (!stoppingToken.IsCancellationRequested && issuer.Keys.Current is null)
        {
            if (await issuer.Keys.WarmUpAsync() is not null)
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
        var missing = issuers.All.Where(i => i.Keys.Current is null).Select(i => i.Issuer).ToList();
        return Task.FromResult(missing.Count == 0
            ? HealthCheckResult.Healthy($"Signing keys held for {issuers.All.Count} issuer(s).")
            : HealthCheckResult.Unhealthy($"No signing keys yet for: {string.Join(", ", missing)}."));
    }
}
