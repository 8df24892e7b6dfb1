using System.Net;
using System.Security.Cryptography;

namespace MeshHost.Transport.Tests.Loopback;

/// <summary>A message as a real-socket test keeps it: small ones whole, large ones by length and SHA-256.</summary>
internal sealed record LoopbackMessage(Session Session, byte Channel, DeliveryMethod Method, int Length, byte[]? Data, byte[] Sha256);

/// <summary>
/// Records what an endpoint's handler is told, from whichever thread tells it, and lets a test
/// await a condition on it: every change wakes the waiters, and every wait has a timeout that
/// fails the test with a message instead of hanging.
/// </summary>
internal sealed class AwaitableHandler : ITransportHandler
{
    /// <summary>Messages up to this size are kept whole; larger ones only by hash.</summary>
    private const int KeepWhole = 64 * 1024;

    private readonly object _sync = new();
    private readonly List<Session> _established = [];
    private readonly List<LoopbackMessage> _messages = [];
    private readonly List<(Session Session, CloseReason Reason)> _closed = [];
    private readonly List<byte[]> _unconnected = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _unconnectedCount;

    /// <summary>Which unconnected payloads are kept for <see cref="WaitForUnconnectedAsync"/> (all by default; floods would fill memory).</summary>
    public Func<byte[], bool> KeepUnconnected { get; set; } = static _ => true;

    public long UnconnectedCount => Interlocked.Read(ref _unconnectedCount);

    public void OnSessionEstablished(Session session) => Change(() => _established.Add(session));

    public void OnMessage(Session session, byte channel, DeliveryMethod method, ReadOnlySpan<byte> message)
    {
        byte[] hash = SHA256.HashData(message);
        byte[]? data = message.Length <= KeepWhole ? message.ToArray() : null;
        var record = new LoopbackMessage(session, channel, method, message.Length, data, hash);
        Change(() => _messages.Add(record));
    }

    public void OnSessionClosed(Session session, CloseReason reason) => Change(() => _closed.Add((session, reason)));

    public void OnUnconnectedDatagram(ReadOnlySpan<byte> payload, IPEndPoint source)
    {
        Interlocked.Increment(ref _unconnectedCount);
        byte[] copy = payload.ToArray();
        if (KeepUnconnected(copy))
        {
            Change(() => _unconnected.Add(copy));
        }
    }

    public Session[] Established() => Read(() => _established.ToArray());

    public LoopbackMessage[] Messages() => Read(() => _messages.ToArray());

    public (Session Session, CloseReason Reason)[] Closed() => Read(() => _closed.ToArray());

    /// <summary>Awaits <paramref name="condition"/> (evaluated under the handler's lock, on a snapshot-free view) for at most <paramref name="timeout"/>.</summary>
    public async Task WaitUntilAsync(Func<AwaitableHandler, bool> condition, TimeSpan timeout, string what)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            Task changed;
            lock (_sync)
            {
                if (condition(this))
                {
                    return;
                }

                changed = _changed.Task;
            }

            try
            {
                await changed.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Waiting for {what}: not reached within {timeout}.");
            }
        }
    }

    /// <summary>Awaits an unconnected datagram whose payload equals <paramref name="payload"/>, and forgets it.</summary>
    public Task WaitForUnconnectedAsync(byte[] payload, TimeSpan timeout) =>
        WaitUntilAsync(h => h._unconnected.RemoveAll(p => p.AsSpan().SequenceEqual(payload)) > 0, timeout, "an unconnected marker");

    private T Read<T>(Func<T> read)
    {
        lock (_sync)
        {
            return read();
        }
    }

    private void Change(Action change)
    {
        TaskCompletionSource previous;
        lock (_sync)
        {
            change();
            previous = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        previous.TrySetResult();
    }
}
