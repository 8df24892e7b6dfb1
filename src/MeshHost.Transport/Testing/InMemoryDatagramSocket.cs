using System.Net;
using MeshHost.Transport.Network;

namespace MeshHost.Transport.Testing;

/// <summary>
/// An <see cref="IDatagramSocket"/> on an <see cref="InMemoryNetwork"/>; create it with
/// <see cref="InMemoryNetwork.CreateSocket"/>. Nothing touches a real socket.
/// </summary>
/// <remarks>
/// Thread-safe as described on <see cref="IDatagramSocket"/>. The receiver is called by the
/// network's delivery timer: with <see cref="ManualTimeProvider"/> on the thread advancing the
/// clock, with a real clock on a thread-pool thread; never concurrently with another delivery on
/// the same network.
/// </remarks>
public sealed class InMemoryDatagramSocket : IDatagramSocket
{
    private readonly DatagramCounters _counters = new();
    private IDatagramReceiver? _receiver;
    private volatile bool _disposed;

    internal InMemoryDatagramSocket(InMemoryNetwork network, IPEndPoint localEndPoint, EndPointKey key)
    {
        Network = network;
        LocalEndPoint = localEndPoint;
        Key = key;
    }

    /// <summary>The network the socket is attached to.</summary>
    public InMemoryNetwork Network { get; }

    /// <inheritdoc/>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>
    /// The network's <see cref="InMemoryNetwork.DefaultConditions"/> MTU, read at each call. A link
    /// given other conditions with <see cref="InMemoryNetwork.SetConditions"/> may carry less (or
    /// more); <see cref="Send"/> checks the actual link.
    /// </summary>
    public int MaxDatagramSize => Network.DefaultConditions.Mtu;

    /// <inheritdoc/>
    public DatagramSocketStatistics Statistics => _counters.Snapshot();

    internal EndPointKey Key { get; }

    /// <summary>The simulated NAT the socket sits behind, if any.</summary>
    internal InMemoryNat? Nat { get; init; }

    internal DatagramCounters Counters => _counters;

    internal bool IsDisposed => _disposed;

    /// <summary>The receiver once started and until disposed; the network delivers only to such sockets.</summary>
    internal IDatagramReceiver? Receiver => _disposed ? null : Volatile.Read(ref _receiver);

    /// <summary>
    /// Begins receiving. Datagrams that reach the socket before this are discarded and counted in
    /// <see cref="InMemoryNetworkStatistics.DroppedNoReceiver"/>.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="receiver"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The socket was already started.</exception>
    /// <exception cref="ObjectDisposedException">The socket was disposed.</exception>
    public void Start(IDatagramReceiver receiver)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Interlocked.CompareExchange(ref _receiver, receiver, null) is not null)
        {
            throw new InvalidOperationException("The socket is already receiving; Start may be called only once.");
        }
    }

    /// <summary>
    /// Copies the datagram into the network, which delivers it later, never inside this call. Like
    /// UDP, the result is <see cref="DatagramSendResult.Sent"/> even when the link then loses the
    /// datagram or nobody is bound at <paramref name="destination"/>; the network's statistics
    /// show what happened. <see cref="DatagramSendResult.TooLarge"/> when the datagram exceeds the
    /// link's <see cref="LinkConditions.Mtu"/>; <see cref="DatagramSendResult.Dropped"/> once the
    /// socket is disposed or when <paramref name="destination"/> is not IPv4 or IPv6.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="destination"/> is null.</exception>
    public DatagramSendResult Send(ReadOnlySpan<byte> datagram, SocketAddress destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        DatagramSendResult result = _disposed ? DatagramSendResult.Dropped : Network.Send(this, datagram, destination);
        if (result == DatagramSendResult.Sent)
        {
            _counters.OnSent(datagram.Length);
        }
        else
        {
            _counters.OnSendError();
        }

        return result;
    }

    /// <summary>Detaches the socket from the network; datagrams still on their way to it are dropped. Idempotent.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            Network.Remove(this);
        }
    }
}
