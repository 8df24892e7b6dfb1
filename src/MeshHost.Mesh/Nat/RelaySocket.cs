using System.Net;
using System.Net.Sockets;
using MeshHost.Transport.Network;

namespace MeshHost.Mesh.Nat;

/// <summary>The sending half of a relay circuit, as the socket sees it.</summary>
internal interface IRelayCircuitSender
{
    /// <summary>Sends one transport datagram through the relay; false when it was dropped.</summary>
    bool Send(ReadOnlySpan<byte> datagram);
}

/// <summary>
/// Decorates the node's real socket so that the transport can run ordinary, end-to-end encrypted
/// sessions through relay circuits: each circuit has a synthetic address (<see cref="RelayAddresses"/>);
/// datagrams sent there go to the circuit, and datagrams that arrive through a circuit are handed
/// to the transport as if they came from that address.
/// </summary>
/// <remarks>
/// The transport's receiver must never be re-entered or called concurrently. Relayed datagrams
/// arrive inside the receiver (a relay frame is a message of another session), so they are queued
/// and delivered by whichever thread holds the delivery role: the receive thread after its current
/// datagram, or the caller when no datagram is being handled. The hand-over re-checks the queue
/// after releasing the role, so nothing queued waits for the next datagram.
/// </remarks>
internal sealed class RelaySocket : IDatagramSocket, IDatagramReceiver
{
    /// <summary>The most relayed datagrams waiting for delivery; beyond it they are dropped (the sessions' loss recovery copes).</summary>
    public const int MaxQueued = 512;

    private readonly IDatagramSocket _inner;
    private readonly Lock _deliveryLock = new();
    private readonly Lock _tableLock = new();
    private readonly Dictionary<ulong, IRelayCircuitSender> _circuits = [];
    private readonly Queue<(byte[] Data, int Length, ulong Index)> _queue = new();
    private IDatagramReceiver? _receiver;
    private ulong _nextIndex;
    private int _deliveringThread;
    private long _dropped;
    private long _spoofed;

    public RelaySocket(IDatagramSocket inner)
    {
        _inner = inner;
    }

    public IPEndPoint LocalEndPoint => _inner.LocalEndPoint;

    public int MaxDatagramSize => _inner.MaxDatagramSize;

    public DatagramSocketStatistics Statistics => _inner.Statistics;

    /// <summary>Relayed datagrams dropped because the delivery queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Datagrams from the real socket whose source claimed a circuit address, dropped.</summary>
    public long DroppedSpoofed => Interlocked.Read(ref _spoofed);

    public void Start(IDatagramReceiver receiver)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        _receiver = receiver;
        _inner.Start(this);
    }

    /// <summary>Gives <paramref name="circuit"/> an address; datagrams the transport sends there go to it.</summary>
    public IPEndPoint Register(IRelayCircuitSender circuit)
    {
        lock (_tableLock)
        {
            ulong index = ++_nextIndex;
            _circuits[index] = circuit;
            return RelayAddresses.ForIndex(index);
        }
    }

    /// <summary>Forgets a circuit's address: sends to it are dropped from now on.</summary>
    public void Unregister(IPEndPoint address)
    {
        lock (_tableLock)
        {
            _circuits.Remove(RelayAddresses.IndexOf(address.Address));
        }
    }

    public DatagramSendResult Send(ReadOnlySpan<byte> datagram, SocketAddress destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (RelayAddresses.TryGetIndex(destination, out ulong index))
        {
            IRelayCircuitSender? circuit;
            lock (_tableLock)
            {
                _circuits.TryGetValue(index, out circuit);
            }

            return circuit is not null && circuit.Send(datagram) ? DatagramSendResult.Sent : DatagramSendResult.Dropped;
        }

        return _inner.Send(datagram, destination);
    }

    /// <summary>Queues a datagram that arrived through the circuit at <paramref name="address"/> for the transport.</summary>
    public void Deliver(IPEndPoint address, ReadOnlySpan<byte> datagram)
    {
        byte[] copy = System.Buffers.ArrayPool<byte>.Shared.Rent(Math.Max(1, datagram.Length));
        datagram.CopyTo(copy);
        lock (_queue)
        {
            if (_queue.Count >= MaxQueued)
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(copy);
                Interlocked.Increment(ref _dropped);
                return;
            }

            _queue.Enqueue((copy, datagram.Length, RelayAddresses.IndexOf(address.Address)));
        }

        if (Volatile.Read(ref _deliveringThread) == Environment.CurrentManagedThreadId)
        {
            return; // inside the receiver: delivered right after the current datagram
        }

        DrainWhilePending();
    }

    void IDatagramReceiver.OnDatagram(ReadOnlySpan<byte> datagram, SocketAddress source)
    {
        if (RelayAddresses.TryGetIndex(source, out _))
        {
            // From the wire, never from a circuit: a spoofed source in 100::/64 (an on-link
            // sender, a network without source filtering) would pass for relayed traffic.
            Interlocked.Increment(ref _spoofed);
            return;
        }

        lock (_deliveryLock)
        {
            Volatile.Write(ref _deliveringThread, Environment.CurrentManagedThreadId);
            try
            {
                _receiver!.OnDatagram(datagram, source);
                DrainLocked();
            }
            finally
            {
                Volatile.Write(ref _deliveringThread, 0);
            }
        }

        DrainWhilePending();
    }

    public void Dispose()
    {
        _inner.Dispose();
        lock (_queue)
        {
            while (_queue.TryDequeue(out var item))
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(item.Data);
            }
        }
    }

    private void DrainWhilePending()
    {
        while (HasQueued())
        {
            if (!_deliveryLock.TryEnter())
            {
                return; // the holder re-checks after it lets go
            }

            try
            {
                Volatile.Write(ref _deliveringThread, Environment.CurrentManagedThreadId);
                DrainLocked();
            }
            finally
            {
                Volatile.Write(ref _deliveringThread, 0);
                _deliveryLock.Exit();
            }
        }
    }

    private bool HasQueued()
    {
        lock (_queue)
        {
            return _queue.Count > 0;
        }
    }

    private void DrainLocked()
    {
        while (true)
        {
            (byte[] Data, int Length, ulong Index) item;
            lock (_queue)
            {
                if (!_queue.TryDequeue(out item))
                {
                    return;
                }
            }

            try
            {
                _receiver!.OnDatagram(item.Data.AsSpan(0, item.Length), RelayAddresses.ForIndex(item.Index).Serialize());
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(item.Data);
            }
        }
    }
}
