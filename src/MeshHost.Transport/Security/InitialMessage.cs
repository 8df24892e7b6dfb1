namespace MeshHost.Transport.Security;

/// <summary>A parsed Initial; its spans point into the received datagram.</summary>
internal readonly ref struct InitialMessage
{
    public InitialMessage(byte version, ConnectionId initiatorCid, ReadOnlySpan<byte> ephemeralKey, ReadOnlySpan<byte> token)
    {
        Version = version;
        InitiatorCid = initiatorCid;
        EphemeralKey = ephemeralKey;
        Token = token;
    }

    public byte Version { get; }

    public ConnectionId InitiatorCid { get; }

    /// <summary>The initiator's ephemeral public key <c>X || Y</c>; empty for a version this node does not speak.</summary>
    public ReadOnlySpan<byte> EphemeralKey { get; }

    /// <summary>The Retry token the initiator echoes; empty on a first Initial.</summary>
    public ReadOnlySpan<byte> Token { get; }
}
