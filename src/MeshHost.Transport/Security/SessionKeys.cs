namespace MeshHost.Transport.Security;

/// <summary>The packet protection of an established session, one instance per direction.</summary>
internal sealed class SessionKeys : IDisposable
{
    public SessionKeys(PacketProtection send, PacketProtection receive)
    {
        Send = send;
        Receive = receive;
    }

    /// <summary>Seals the packets this side sends.</summary>
    public PacketProtection Send { get; }

    /// <summary>Opens the packets the peer sends.</summary>
    public PacketProtection Receive { get; }

    public void Dispose()
    {
        Send.Dispose();
        Receive.Dispose();
    }
}
