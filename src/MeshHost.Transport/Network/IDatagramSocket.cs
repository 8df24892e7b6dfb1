using System.Net;

namespace MeshHost.Transport.Network;

/// <summary>
/// The transport's datagram seam: one socket that sends and receives whole datagrams. The product
/// uses <see cref="UdpDatagramSocket"/>; tests and the SDK testing kit use
/// <see cref="Testing.InMemoryDatagramSocket"/>.
/// </summary>
/// <remarks>
/// <see cref="Send"/> and <see cref="Statistics"/> may be called from any thread at any time.
/// <see cref="Start"/> is called once. <see cref="IDisposable.Dispose"/> stops receiving, is
/// idempotent and may be called from any thread, including from inside
/// <see cref="IDatagramReceiver.OnDatagram"/>.
/// </remarks>
public interface IDatagramSocket : IDisposable
{
    /// <summary>The address and port the socket is bound to (the chosen port when bound to port 0).</summary>
    IPEndPoint LocalEndPoint { get; }

    /// <summary>
    /// The largest payload in bytes that <see cref="Send"/> accepts: 65,507 for UDP over IPv4 (and
    /// for a dual-stack socket), 65,527 for IPv6-only UDP, the configured MTU of the in-memory
    /// network. The path may allow less; <see cref="Send"/> then returns
    /// <see cref="DatagramSendResult.TooLarge"/> or the datagram is lost.
    /// </summary>
    int MaxDatagramSize { get; }

    /// <summary>Snapshot of the socket's counters since it was created.</summary>
    DatagramSocketStatistics Statistics { get; }

    /// <summary>
    /// Begins receiving: from now on every datagram that arrives is passed to
    /// <paramref name="receiver"/> (see <see cref="IDatagramReceiver"/> for the threading rules).
    /// Datagrams that arrive before are buffered by the OS (UDP) or discarded (in-memory).
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="receiver"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The socket was already started.</exception>
    /// <exception cref="ObjectDisposedException">The socket was disposed.</exception>
    void Start(IDatagramReceiver receiver);

    /// <summary>
    /// Sends one datagram, synchronously and without allocating. Thread-safe; it may block briefly
    /// while the OS send buffer is full.
    /// </summary>
    /// <param name="datagram">The payload; the socket copies it before returning.</param>
    /// <param name="destination">
    /// Where to send it. An IPv4 address is accepted by a dual-stack socket too.
    /// </param>
    /// <returns>
    /// <see cref="DatagramSendResult.Sent"/>, or why nothing was sent. Network conditions never
    /// throw; every result other than <see cref="DatagramSendResult.Sent"/> is counted in
    /// <see cref="DatagramSocketStatistics.SendErrors"/>.
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="destination"/> is null.</exception>
    DatagramSendResult Send(ReadOnlySpan<byte> datagram, SocketAddress destination);
}
