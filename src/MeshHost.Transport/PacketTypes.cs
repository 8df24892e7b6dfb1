namespace MeshHost.Transport;

/// <summary>The first byte of every datagram (docs/transport.md, Datagrams).</summary>
internal static class PacketTypes
{
    public const byte Initial = 0x01;
    public const byte Retry = 0x02;
    public const byte Handshake = 0x03;
    public const byte Data = 0x04;
    public const byte Unconnected = 0x05;
}
