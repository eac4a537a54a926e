using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;

namespace PhotoApi.Observability;

/// <summary>
/// Counts error answers by status and reason and writes one line per interval with the counts (nothing when there were
/// none). Its keys are a status code and a fixed rejection code, so it holds a few dozen entries at most, whatever the traffic.
/// </summary>
public sealed partial class ErrorSummary(IOptions<RequestLogOptions> options, TimeProvider time, ILoggerFactory loggers) : BackgroundService
{
    private readonly ConcurrentDictionary<(int Status, string Reason), long> _counts = new();
    private readonly ILogger _logger = loggers.CreateLogger(RequestLog.Category);

    public void Count(int status, string reason) => _counts.AddOrUpdate((status, reason), 1, static (_, n) => n + 1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ErrorSummaryInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                Flush();
            }
        }
        catch (OperationCanceledException)
        {
        }
        Flush();
    }

    private void Flush()
    {
        var counts = new List<((int Status, string Reason) Key, long Count)>();
        foreach (var key in _counts.Keys)
        {
            if (_counts.TryRemove(key, out var count))
            {
                counts.Add((key, count));
            }
        }
        if (counts.Count == 0)
        {
            return;
        }
        var text = new StringBuilder();
        foreach (var ((status, reason), count) in counts.OrderBy(c => c.Key.Status).ThenBy(c => c.Key.Reason, StringComparer.Ordinal))
        {
            text.Append(text.Length == 0 ? "" : ", ").Append(status.ToString(CultureInfo.InvariantCulture));
            if (reason.Length > 0)
            {
                text.Append(' ').Append(reason);
            }
            text.Append(" x").Append(count.ToString(CultureInfo.InvariantCulture));
        }
        Summary(_logger, counts.Sum(c => c.Count), options.Value.ErrorSummaryInterval, text.ToString());
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Total} error answers in the last {Interval}: {Counts}")]
    private static partial void Summary(ILogger logger, long total, TimeSpan interval, string counts);
}
