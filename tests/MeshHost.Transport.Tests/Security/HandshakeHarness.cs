using System.Net;
using MeshHost.Transport.Security;

namespace MeshHost.Transport.Tests.Security;

/// <summary>Two identities and the datagrams of one handshake between them, run in memory.</summary>
internal sealed class HandshakeHarness : IDisposable
{
    public static readonly IPEndPoint Observed = new(IPAddress.Parse("203.0.113.7"), 40_000);

    public HandshakeHarness(NodeId? pinned = null, ConnectionId? responderCid = null, IPEndPoint? observed = null)
    {
        InitiatorIdentity = NodeIdentity.Generate();
        ResponderIdentity = NodeIdentity.Generate();
        InitiatorCid = ConnectionId.NewRandom();
        ResponderCid = responderCid ?? ConnectionId.NewRandom();
        Initiator = new HandshakeInitiator(InitiatorIdentity, InitiatorCid, pinned);
        Initial = WriteInitial(Initiator, []);
        Assert.True(HandshakeParser.TryParseInitial(Initial, out InitialMessage message));
        Responder = HandshakeResponder.Create(ResponderIdentity, message, ResponderCid, observed ?? Observed);
        Response = WriteResponse(Responder);
    }

    public NodeIdentity InitiatorIdentity { get; }

    public NodeIdentity ResponderIdentity { get; }

    public ConnectionId InitiatorCid { get; }

    public ConnectionId ResponderCid { get; }

    public HandshakeInitiator Initiator { get; }

    public HandshakeResponder Responder { get; }

    public byte[] Initial { get; }

    public byte[] Response { get; }

    public static byte[] WriteInitial(HandshakeInitiator initiator, ReadOnlySpan<byte> token)
    {
        byte[] buffer = new byte[2048];
        return buffer[..initiator.WriteInitial(buffer, token)];
    }

    public static byte[] WriteResponse(HandshakeResponder responder)
    {
        byte[] buffer = new byte[3 * 1200];
        return buffer[..responder.WriteResponse(buffer)];
    }

    public static byte[] WriteFinish(HandshakeInitiator initiator)
    {
        byte[] buffer = new byte[1200];
        return buffer[..initiator.WriteFinish(buffer)];
    }

    /// <summary>Seals with <paramref name="from"/>, opens with <paramref name="to"/>; true if the payload arrived intact.</summary>
    public static bool Exchange(PacketProtection from, PacketProtection to, ulong packetNumber)
    {
        byte[] header = [0x04, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, (byte)packetNumber];
        byte[] plain = new byte[1200];
        new Random((int)packetNumber).NextBytes(plain);
        byte[] payload = (byte[])plain.Clone();
        byte[] tag = new byte[PacketProtection.TagSize];
        from.Seal(packetNumber, header, payload, tag);
        return to.TryOpen(packetNumber, header, payload, tag) && payload.AsSpan().SequenceEqual(plain);
    }

    public void Dispose()
    {
        Initiator.Dispose();
        Responder.Dispose();
        InitiatorIdentity.Dispose();
        ResponderIdentity.Dispose();
    }
}
