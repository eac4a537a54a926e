using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace PhotoApi.Tests.Infrastructure;

/// <summary>Every log line the app writes, at every level, with its exception and structured values.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly ConcurrentQueue<Entry> _entries = new();
    private readonly ConcurrentDictionary<TaskCompletionSource<Entry>, Func<Entry, bool>> _waiters = new();

    /// <summary>One logged event: its level, category, message and exception (null when none was logged).</summary>
    public sealed record Entry(LogLevel Level, string Category, string Message, Exception? Exception);

    public IReadOnlyCollection<string> Lines => _lines;

    public IReadOnlyCollection<Entry> Entries => _entries;

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines, _entries, Logged);

    /// <summary>The first entry that matches, logged already or when it is logged (for work the app does in the background).</summary>
    public Task<Entry> WhenLoggedAsync(Func<Entry, bool> match)
    {
        var waiter = new TaskCompletionSource<Entry>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiters[waiter] = match;
        if (_entries.FirstOrDefault(match) is { } logged)
        {
            Settle(waiter, logged);
        }
        return waiter.Task;
    }

    private void Logged(Entry entry)
    {
        foreach (var (waiter, match) in _waiters)
        {
            if (match(entry))
            {
                Settle(waiter, entry);
            }
        }
    }

    private void Settle(TaskCompletionSource<Entry> waiter, Entry entry)
    {
        waiter.TrySetResult(entry);
        _waiters.TryRemove(waiter, out _);
    }

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> lines, ConcurrentQueue<Entry> entries, Action<Entry> logged) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull
        {
            lines.Enqueue($"{category} scope: {state}");
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
            lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} | {values} | {exception}");
            var entry = new Entry(logLevel, category, formatter(state, exception), exception);
            entries.Enqueue(entry);
            logged(entry);
        }
    }
}
