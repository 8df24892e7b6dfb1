using MeshHost.Sdk;

namespace MeshHost.Plugins.Runtime;

/// <summary>
/// Wraps a plugin's handlers so that an exception is caught, logged with the plugin id and counted
/// against the plugin (never reaching the transport or another plugin), and so that nothing runs
/// once the plugin is stopping.
/// </summary>
internal sealed class HandlerGuard
{
    private readonly FaultMonitor _faults;
    private readonly CancellationToken _stopping;

    public HandlerGuard(FaultMonitor faults, CancellationToken stopping)
    {
        _faults = faults;
        _stopping = stopping;
    }

    public bool IsStopping => _stopping.IsCancellationRequested;

    public void Report(string source, Exception exception) => _faults.Report(source, exception);

    /// <summary>True when <paramref name="exception"/> is only the cancellation a stop or the caller asked for.</summary>
    public bool IsExpectedCancellation(Exception exception, CancellationToken cancellationToken) =>
        exception is OperationCanceledException && (cancellationToken.IsCancellationRequested || _stopping.IsCancellationRequested);

    public MessageHandler<T> Wrap<T>(MessageHandler<T> handler, string source) =>
        async (from, message, cancellationToken) =>
        {
            if (IsStopping)
            {
                return;
            }

            try
            {
                await handler(from, message, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (!IsExpectedCancellation(e, cancellationToken))
            {
                Report(source, e);
            }
            catch (OperationCanceledException)
            {
                // the plugin or the channel is stopping
            }
        };

    /// <summary>A request handler's exception is counted and then passed on, so the requester gets its error response.</summary>
    public RequestHandler<TRequest, TResponse> Wrap<TRequest, TResponse>(RequestHandler<TRequest, TResponse> handler, string source) =>
        async (from, request, cancellationToken) =>
        {
            if (IsStopping)
            {
                throw new MeshException(MeshError.Disposed, "The plugin is stopping.");
            }

            try
            {
                return await handler(from, request, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (!IsExpectedCancellation(e, cancellationToken))
            {
                Report(source, e);
                throw;
            }
        };

    public Action<PeerId> Wrap(Action<PeerId> handler, string source) =>
        peer =>
        {
            if (IsStopping)
            {
                return;
            }

            try
            {
                handler(peer);
            }
            catch (Exception e)
            {
                Report(source, e);
            }
        };

    public TimerCallback Wrap(TimerCallback callback, string source) =>
        state =>
        {
            if (IsStopping)
            {
                return;
            }

            try
            {
                callback(state);
            }
            catch (Exception e)
            {
                Report(source, e);
            }
        };

    /// <summary>A control API handler's exception becomes a JSON 500 and counts as a fault.</summary>
    public ControlApiHandler Wrap(ControlApiHandler handler, string source) =>
        async (request, cancellationToken) =>
        {
            try
            {
                return await handler(request, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (!IsExpectedCancellation(e, cancellationToken))
            {
                Report(source, e);
                return ControlApiResponse.Error(500, "internal", $"The plugin's endpoint failed ({e.GetType().Name}); the node logged the details.");
            }
        };
}
