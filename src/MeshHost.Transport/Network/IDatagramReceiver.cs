using System.Net;

namespace MeshHost.Transport.Network;

/// <summary>
/// Consumes the datagrams an <see cref="IDatagramSocket"/> receives.
/// </summary>
/// <remarks>
/// A socket calls its receiver one datagram at a time: never concurrently, always on the socket's
/// receive thread (a dedicated thread for <see cref="UdpDatagramSocket"/>, the delivering timer's
/// thread for the in-memory socket). The call should be short; the socket receives nothing else
/// while it runs.
/// </remarks>
public interface IDatagramReceiver
{
    /// <summary>Handles one received datagram.</summary>
    /// <param name="datagram">
    /// The payload, 0 to <see cref="IDatagramSocket.MaxDatagramSize"/> bytes. It lives in a buffer
    /// the socket reuses: valid only during this call, so copy whatever must outlive it.
    /// </param>
    /// <param name="source">
    /// Who sent it. Also reused by the socket and valid only during this call (copy it, e.g. with
    /// <c>new SocketAddress(...)</c> and <c>CopyTo</c>, or turn it into an
    /// <see cref="IPEndPoint"/>, to keep it). An IPv4 sender is reported as an IPv4 address even
    /// on a dual-stack socket.
    /// </param>
    /// <remarks>
    /// An exception thrown here is caught, logged and counted in
    /// <see cref="DatagramSocketStatistics.ReceiverFaults"/>; the socket keeps receiving.
    /// </remarks>
    void OnDatagram(ReadOnlySpan<byte> datagram, SocketAddress source);
}
