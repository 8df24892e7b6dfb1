using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace MeshHost.Plugins.Tests.Support;

/// <summary>Keeps every log line, so tests can assert that faults are logged with the plugin's id.</summary>
internal sealed class RecordingLoggerFactory : ILoggerFactory
{
    public ConcurrentQueue<LogLine> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    public void Dispose()
    {
    }

    public bool Has(int eventId, string text) => Lines.Any(l => l.EventId == eventId && l.Message.Contains(text, StringComparison.Ordinal));

    internal sealed record LogLine(string Category, LogLevel Level, int EventId, string Message);

    private sealed class Logger(RecordingLoggerFactory owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Lines.Enqueue(new LogLine(category, logLevel, eventId.Id, formatter(state, exception)));
    }
}
