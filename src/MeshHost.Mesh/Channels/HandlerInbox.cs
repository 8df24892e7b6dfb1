using System.Threading.Channels;
using MeshHost.Sdk;
using Microsoft.Extensions.Logging;

namespace MeshHost.Mesh.Channels;

/// <summary>
/// The bounded queue between the network thread and a channel's (or topic's) handlers. Messages
/// are handed to every handler in order, one message at a time, on a worker task, so a slow or
/// faulting handler never blocks the transport. A full inbox refuses the message (the caller counts it).
/// </summary>
internal sealed class HandlerInbox<T>
{
    private readonly Channel<(PeerId From, T Message)> _queue;
    private readonly MeshCounterSet _counters;
    private readonly ILogger _logger;
    private readonly string _name;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _sync = new();
    private MessageHandler<T>[] _handlers = [];
    private Task? _worker;

    public HandlerInbox(string name, int capacity, MeshCounterSet counters, ILogger logger)
    {
        _name = name;
        _counters = counters;
        _logger = logger;
        _queue = Channel.CreateBounded<(PeerId, T)>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait, // TryWrite then fails fast: the caller drops and counts
            SingleReader = true,
        });
    }

    public bool HasHandlers => Volatile.Read(ref _handlers).Length > 0;

    public IDisposable Add(MessageHandler<T> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
            _handlers = [.. _handlers, handler];
            _worker ??= RunAsync();
        }

        return new Registration(this, handler);
    }

    /// <summary>Queues a message; false when the inbox is full or stopped (nothing queued).</summary>
    public bool TryPost(PeerId from, T message)
    {
        if (!HasHandlers)
        {
            return true; // nobody listens: accepted and discarded, like a socket with no reader
        }

        if (_queue.Writer.TryWrite((from, message)))
        {
            return true;
        }

        Interlocked.Increment(ref _counters.DroppedInboxFull);
        return false;
    }

    public void Stop()
    {
        lock (_sync)
        {
            if (_stopping.IsCancellationRequested)
            {
                return;
            }

            _stopping.Cancel();
            _queue.Writer.TryComplete();
        }
    }

    private void Remove(MessageHandler<T> handler)
    {
        lock (_sync)
        {
            int index = Array.IndexOf(_handlers, handler);
            if (index >= 0)
            {
                _handlers = [.. _handlers.AsSpan(0, index), .. _handlers.AsSpan(index + 1)];
            }
        }
    }

    private async Task RunAsync()
    {
        await Task.Yield();
        CancellationToken stopping = _stopping.Token;
        try
        {
            await foreach ((PeerId from, T message) in _queue.Reader.ReadAllAsync(stopping).ConfigureAwait(false))
            {
                foreach (MessageHandler<T> handler in Volatile.Read(ref _handlers))
                {
                    try
                    {
                        await handler(from, message, stopping).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                    {
                        return;
                    }
                    catch (Exception ex)
                    {
                        Interlocked.Increment(ref _counters.HandlerFaults);
                        MeshLog.HandlerFaulted(_logger, _name, from.ToShortString(), ex);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // stopped
        }
    }

    private sealed class Registration(HandlerInbox<T> inbox, MessageHandler<T> handler) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                inbox.Remove(handler);
            }
        }
    }
}
