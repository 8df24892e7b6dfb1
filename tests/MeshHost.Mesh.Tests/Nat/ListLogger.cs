using Microsoft.Extensions.Logging;

namespace MeshHost.Mesh.Tests.Nat;

/// <summary>Collects log lines in memory (bounded), so a failing scenario can show what happened.</summary>
internal sealed class ListLogger : ILoggerProvider, ILoggerFactory
{
    private const int MaxLines = 4000;
    private readonly List<string> _lines = [];

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    public string Prefix { get; set; } = "";

    public ILogger CreateLogger(string categoryName) => new Logger(this, Prefix);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class Logger(ListLogger owner, string prefix) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (owner._lines)
            {
                if (owner._lines.Count < MaxLines)
                {
                    owner._lines.Add($"{prefix} {eventId.Id} {formatter(state, exception)}");
                }
            }
        }
    }
}
