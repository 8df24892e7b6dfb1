using Microsoft.Extensions.Logging;

namespace MeshHost.Plugins.Runtime;

/// <summary>
/// Counts one plugin's handler faults in a sliding window and calls <c>onLimit</c> once when there are
/// more than the policy allows. Thread-safe.
/// </summary>
internal sealed class FaultMonitor
{
    private readonly string _pluginId;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly PluginRuntimeOptions _options;
    private readonly Action<string> _onLimit;
    private readonly Queue<long> _recent = new();
    private readonly Lock _lock = new();
    private long _total;
    private bool _tripped;

    public FaultMonitor(string pluginId, ILogger logger, TimeProvider time, PluginRuntimeOptions options, Action<string> onLimit)
    {
        _pluginId = pluginId;
        _logger = logger;
        _time = time;
        _options = options;
        _onLimit = onLimit;
    }

    /// <summary>Every fault since the plugin was created.</summary>
    public long Total => Interlocked.Read(ref _total);

    /// <summary>Logs and counts a fault; trips the limit when the window holds more than <see cref="PluginRuntimeOptions.MaxFaults"/>.</summary>
    public void Report(string source, Exception exception)
    {
        Interlocked.Increment(ref _total);
        int inWindow;
        bool trip = false;
        long now = _time.GetTimestamp();
        lock (_lock)
        {
            _recent.Enqueue(now);
            while (_recent.Count > 0 && _time.GetElapsedTime(_recent.Peek(), now) > _options.FaultWindow)
            {
                _recent.Dequeue();
            }

            inWindow = _recent.Count;
            if (inWindow > _options.MaxFaults && !_tripped)
            {
                _tripped = true;
                trip = true;
            }
        }

        PluginLog.HandlerFault(_logger, _pluginId, source, inWindow, exception);
        if (trip)
        {
            string reason = $"{inWindow} faults within {_options.FaultWindow} (the limit is {_options.MaxFaults}); the last: {source} threw {exception.GetType().Name}: {exception.Message}";
            PluginLog.FaultLimitExceeded(_logger, _pluginId, reason);
            _onLimit(reason);
        }
    }
}
