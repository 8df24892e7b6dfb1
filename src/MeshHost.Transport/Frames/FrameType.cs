namespace MeshHost.Transport.Frames;

/// <summary>Frame type bytes inside a Data packet (docs/transport.md, Frames).</summary>
internal static class FrameType
{
    public const byte Padding = 0x00;
    public const byte Ping = 0x01;
    public const byte Ack = 0x02;
    public const byte Close = 0x03;
    public const byte MaxData = 0x04;
    public const byte MtuProbe = 0x05;
    public const byte PathChallenge = 0x06;
    public const byte PathResponse = 0x07;

    /// <summary>0x10 | delivery method (low 3 bits) | <see cref="FragmentFlag"/>.</summary>
    public const byte MessageBase = 0x10;
    public const byte FragmentFlag = 0x08;
    public const byte MessageMask = 0xf0;

    public static bool IsMessage(byte type) => (type & MessageMask) == MessageBase;
}
