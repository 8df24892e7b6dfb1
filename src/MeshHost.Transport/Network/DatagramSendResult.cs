namespace MeshHost.Transport.Network;

/// <summary>The outcome of <see cref="IDatagramSocket.Send"/>.</summary>
public enum DatagramSendResult
{
    /// <summary>
    /// The datagram left the socket. Like UDP itself this promises nothing about arrival: it may
    /// still be lost on the way, or be discarded by a destination that has no socket.
    /// </summary>
    Sent = 0,

    /// <summary>
    /// The datagram is larger than the socket's <see cref="IDatagramSocket.MaxDatagramSize"/>, or
    /// than the path allows without fragmentation (EMSGSIZE with the don't-fragment bit set; the
    /// in-memory link's MTU). Nothing was sent; a smaller datagram may succeed.
    /// </summary>
    TooLarge = 1,

    /// <summary>
    /// The socket could not send it (no buffer space, no route, an address of a family the socket
    /// cannot reach, the socket was disposed). Nothing was sent; treat it as a lost packet.
    /// </summary>
    Dropped = 2,
}
