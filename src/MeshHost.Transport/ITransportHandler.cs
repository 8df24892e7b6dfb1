namespace MeshHost.Transport;

/// <summary>
/// Receives what an endpoint's sessions produce. Calls come from the endpoint's receive thread (or
/// a timer thread), one at a time per session; a handler must not block. Spans are valid only
/// during the call: copy what you keep. An exception thrown by a handler is caught, logged and
/// counted; it never reaches the transport.
/// </summary>
public interface ITransportHandler
{
    /// <summary>A session completed its handshake (either side). Messages may follow at once.</summary>
    void OnSessionEstablished(Session session);

    /// <summary>A complete message arrived on a lane.</summary>
    void OnMessage(Session session, byte channel, DeliveryMethod method, ReadOnlySpan<byte> message);

    /// <summary>A session ended; it delivers nothing more.</summary>
    void OnSessionClosed(Session session, CloseReason reason);

    /// <summary>An unconnected datagram (discovery beacon, punching probe) arrived.</summary>
    void OnUnconnectedDatagram(ReadOnlySpan<byte> payload, System.Net.IPEndPoint source);
}
