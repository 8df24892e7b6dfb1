using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace MeshHost.Transport.Tests.Sessions;

/// <summary>
/// Collects every log entry at error level or carrying an exception. The in-memory network and the
/// endpoints catch exceptions (a receiver or handler that throws must not stop delivery), so
/// without this a bug that throws would only show up later as a hang.
/// </summary>
internal sealed class FaultLog : ILoggerFactory, ILogger
{
    private readonly ConcurrentQueue<string> _faults = new();

    public bool IsEmpty => _faults.IsEmpty;

    /// <summary>Throws with the first fault logged, if any.</summary>
    public void ThrowIfAny()
    {
        if (_faults.TryPeek(out string? fault))
        {
            throw new InvalidOperationException($"{_faults.Count} fault(s) were logged; the first: {fault}");
        }
    }

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (logLevel >= LogLevel.Error || exception is not null)
        {
            _faults.Enqueue($"[{eventId.Id}] {formatter(state, exception)}: {exception}");
        }
    }

    public void Dispose()
    {
    }
}
