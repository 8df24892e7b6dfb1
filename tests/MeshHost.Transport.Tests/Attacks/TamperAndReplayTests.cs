using System.Net;
using MeshHost.Transport.Tests.Sessions;

namespace MeshHost.Transport.Tests.Attacks;

/// <summary>
/// An attacker on the path captures Data packets and sends them back tampered, replayed, or
/// re-addressed to another session: every such packet is dropped and counted, and nothing reaches
/// the application that the peer did not send, or twice.
/// </summary>
public sealed class TamperAndReplayTests : IDisposable
{
    // Packets stay at 1200 bytes, so that each test message travels in exactly one Data packet.
    private static readonly TransportOptions Options = new() { EnableMtuDiscovery = false };

    private readonly AttackNetwork _net = new(seed: 7);

    public void Dispose() => _net.Dispose();

    [Fact]
    public void A_tampered_Data_packet_is_dropped_and_counted_whichever_byte_is_flipped()
    {
        AttackNode client = _net.AddNode(Options);
        AttackNode server = _net.AddNode(Options);
        var (clientSession, serverSession) = _net.Connect(client, server);
        _net.Run(TimeSpan.FromMilliseconds(100));

        byte[] packet = CaptureDataPacket(client, () => clientSession.TrySend(3, DeliveryMethod.ReliableOrdered, "attack at dawn"u8));
        int messagesBefore = server.Handler.Messages.Count;
        var random = new Random(11);

        for (int position = 0; position < packet.Length; position++)
        {
            foreach (byte mask in new byte[] { 0x01, 0x80, (byte)random.Next(1, 256) })
            {
                byte[] tampered = (byte[])packet.Clone();
                tampered[position] ^= mask;
                SessionStatistics before = serverSession.GetStatistics();
                EndpointStatistics endpointBefore = server.Endpoint.Statistics;

                server.Socket.Inject(tampered, client.Address);

                SessionStatistics after = serverSession.GetStatistics();
                EndpointStatistics endpointAfter = server.Endpoint.Statistics;
                Assert.Equal(messagesBefore, server.Handler.Messages.Count);
                Assert.Equal(before.PacketsReceived, after.PacketsReceived);
                if (position >= Session.HeaderSize)
                {
                    // Sealed payload or tag: the AEAD catches it.
                    Assert.Equal(before.AuthenticationFailures + 1, after.AuthenticationFailures);
                }
                else if (position >= 1 + ConnectionId.Size)
                {
                    // Packet number (part of the AEAD's associated data and its nonce): either it now
                    // names a packet already received, or it fails to open.
                    Assert.Equal(
                        before.AuthenticationFailures + before.DuplicatePackets + 1,
                        after.AuthenticationFailures + after.DuplicatePackets);
                }
                else if (position >= 1)
                {
                    // The connection id: no session has it.
                    Assert.Equal(endpointBefore.UnknownConnection + 1, endpointAfter.UnknownConnection);
                }
                else if (tampered[0] == PacketTypes.Handshake)
                {
                    // Read as the initiator repeating its Finish for this session: answered with a
                    // PING to the session's own address, nothing else.
                    Assert.True(serverSession.IsOpen);
                }
                else
                {
                    // The type byte: another kind of datagram, refused for what it claims to be.
                    Assert.True(
                        Dropped(endpointAfter) + endpointAfter.UnconnectedReceived > Dropped(endpointBefore) + endpointBefore.UnconnectedReceived,
                        $"type 0x{tampered[0]:x2}: not counted");
                }
            }
        }

        Assert.True(serverSession.IsOpen);

        // The untouched packet still opens: the session took no harm from the forgeries.
        server.Socket.Inject(packet, client.Address);
        ReceivedMessage message = Assert.Single(server.Handler.Messages.Skip(messagesBefore));
        Assert.Equal("attack at dawn"u8.ToArray(), message.Data);
        _net.RoundTrip(serverSession, client, 4, DeliveryMethod.ReliableOrdered, [1, 2, 3]);
    }

    [Theory]
    [InlineData(DeliveryMethod.Unreliable)]
    [InlineData(DeliveryMethod.Sequenced)]
    [InlineData(DeliveryMethod.ReliableUnordered)]
    [InlineData(DeliveryMethod.ReliableOrdered)]
    [InlineData(DeliveryMethod.ReliableSequenced)]
    public void A_replayed_Data_packet_is_dropped_and_counted_and_delivered_once(DeliveryMethod method)
    {
        AttackNode client = _net.AddNode(Options);
        AttackNode server = _net.AddNode(Options);
        var (clientSession, serverSession) = _net.Connect(client, server);
        _net.Run(TimeSpan.FromMilliseconds(100));

        byte[] packet = CaptureDataPacket(client, () => clientSession.TrySend(9, method, "pay 100"u8));
        int messagesBefore = server.Handler.Messages.Count;

        server.Socket.Inject(packet, client.Address);
        Assert.Single(server.Handler.Messages.Skip(messagesBefore));
        long duplicates = serverSession.GetStatistics().DuplicatePackets;

        // At once, from the peer's address and from elsewhere (which must not move the session).
        for (int i = 0; i < 5; i++)
        {
            server.Socket.Inject(packet, client.Address);
            server.Socket.Inject(packet, new IPEndPoint(IPAddress.Parse("127.66.0." + (i + 1)), 4000 + i));
        }

        Assert.Equal(duplicates + 10, serverSession.GetStatistics().DuplicatePackets);
        Assert.Equal(client.Address, serverSession.RemoteEndPoint);

        // And after the session has moved on by many packets.
        for (int i = 0; i < 20; i++)
        {
            _net.RoundTrip(clientSession, server, 1, DeliveryMethod.ReliableOrdered, [(byte)i]);
        }

        server.Socket.Inject(packet, client.Address);
        Assert.Equal(duplicates + 11, serverSession.GetStatistics().DuplicatePackets);
        Assert.Equal(1, server.Handler.Messages.Count(m => m.Channel == 9));
        Assert.Equal(0, server.Endpoint.Statistics.Migrations);
        Assert.True(serverSession.IsOpen);
    }

    [Fact]
    public void A_Data_packet_sealed_for_one_session_and_sent_to_another_sessions_CID_is_dropped()
    {
        AttackNode alice = _net.AddNode(Options);
        AttackNode bob = _net.AddNode(Options);
        AttackNode server = _net.AddNode(Options);
        var (aliceSession, serverWithAlice) = _net.Connect(alice, server);
        var (_, serverWithBob) = _net.Connect(bob, server);
        _net.Run(TimeSpan.FromMilliseconds(100));

        byte[] packet = CaptureDataPacket(alice, () => aliceSession.TrySend(2, DeliveryMethod.ReliableOrdered, "for alice's session"u8));
        byte[] misrouted = (byte[])packet.Clone();
        serverWithBob.LocalCid.WriteTo(misrouted.AsSpan(1));
        int messagesBefore = server.Handler.Messages.Count;
        SessionStatistics bobBefore = serverWithBob.GetStatistics();

        server.Socket.Inject(misrouted, bob.Address);
        server.Socket.Inject(misrouted, alice.Address);

        SessionStatistics bobAfter = serverWithBob.GetStatistics();
        Assert.Equal(bobBefore.AuthenticationFailures + 2, bobAfter.AuthenticationFailures);
        Assert.Equal(bobBefore.PacketsReceived, bobAfter.PacketsReceived);
        Assert.Equal(messagesBefore, server.Handler.Messages.Count);
        Assert.Equal(bob.Address, serverWithBob.RemoteEndPoint);
        Assert.True(serverWithBob.IsOpen);

        // Sent where it belongs, the same packet is accepted on Alice's session only.
        server.Socket.Inject(packet, alice.Address);
        ReceivedMessage message = Assert.Single(server.Handler.Messages.Skip(messagesBefore));
        Assert.Same(serverWithAlice, message.Session);
    }

    [Fact]
    public void A_copy_raced_ahead_from_a_spoofed_address_cannot_amplify_or_keep_the_session()
    {
        AttackNode client = _net.AddNode(Options);
        AttackNode server = _net.AddNode(Options);
        var (clientSession, serverSession) = _net.Connect(client, server);
        _net.Run(TimeSpan.FromMilliseconds(100));
        var spoofed = new IPEndPoint(IPAddress.Parse("127.99.0.1"), 5555);

        // The attacker sees the packet first and forwards a copy from an address of its choosing:
        // it is authentic and new, so the session follows it, but only within 3x what came from there.
        byte[] packet = CaptureDataPacket(client, () => clientSession.TrySend(1, DeliveryMethod.ReliableOrdered, new byte[900]));
        server.Socket.Inject(packet, spoofed);
        Assert.Equal(spoofed, serverSession.RemoteEndPoint);
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(SendResult.Queued, serverSession.TrySend(1, DeliveryMethod.ReliableOrdered, new byte[4000]));
        }

        _net.Run(TimeSpan.FromMilliseconds(20));
        AddressTraffic toSpoofed = server.Socket.TrafficWith(spoofed);
        Assert.True(toSpoofed.WorstExcess <= 0, $"sent {toSpoofed.BytesSent} bytes to an unvalidated address that sent {toSpoofed.BytesReceived}");

        // The real client's next packets come from its own address, and the session returns to it.
        _net.RoundTrip(clientSession, server, 2, DeliveryMethod.ReliableOrdered, [7]);
        _net.RunUntil(() => client.Handler.Messages.Count(m => m.Channel == 1) == 5, TimeSpan.FromSeconds(10), "the server's messages after the spoof");
        Assert.Equal(client.Address, serverSession.RemoteEndPoint);
        Assert.True(server.Socket.TrafficWith(spoofed).WorstExcess <= 0);
        Assert.True(serverSession.IsOpen);
    }

    [Fact]
    public async Task A_session_stranded_on_a_spoofed_address_waits_quietly_and_times_out()
    {
        AttackNode client = _net.AddNode(Options);
        AttackNode server = _net.AddNode(Options);
        var (clientSession, serverSession) = _net.Connect(client, server);
        _net.Run(TimeSpan.FromMilliseconds(100));
        var spoofed = new IPEndPoint(IPAddress.Parse("127.99.0.2"), 5556);

        // The session follows a raced copy to an address that never answers, and the real client
        // goes silent: the 3x budget is soon spent with data still queued and, later, a keepalive due.
        byte[] packet = CaptureDataPacket(client, () => clientSession.TrySend(1, DeliveryMethod.ReliableOrdered, new byte[100]));
        client.Socket.Muted = true;
        server.Socket.Inject(packet, spoofed);
        Assert.Equal(spoofed, serverSession.RemoteEndPoint);
        Assert.Equal(SendResult.Queued, serverSession.TrySend(1, DeliveryMethod.ReliableOrdered, new byte[10_000]));

        // Nothing can be sent until the address speaks again, so nothing may fire in a loop either:
        // the clock must get through the idle timeout (a spinning timer never lets Advance return).
        TimeSpan idle = server.Endpoint.Options.IdleTimeout;
        Task run = Task.Run(() => _net.Run(idle + TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(10)));
        await run.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(CloseCode.IdleTimeout, serverSession.CloseReason?.Code);
        AddressTraffic toSpoofed = server.Socket.TrafficWith(spoofed);
        Assert.True(toSpoofed.WorstExcess <= 0, $"sent {toSpoofed.BytesSent} bytes to an unvalidated address that sent {toSpoofed.BytesReceived}");
    }

    private static long Dropped(EndpointStatistics statistics) =>
        statistics.Malformed + statistics.UnknownConnection + statistics.HandshakeFailures + statistics.HandshakesRefused
        + statistics.InvalidTokens + statistics.RetriesSent + statistics.HandshakesStarted;

    /// <summary>Runs <paramref name="send"/> and takes the one Data packet it sends off the wire, undelivered.</summary>
    private static byte[] CaptureDataPacket(AttackNode sender, Func<SendResult> send)
    {
        var captured = new List<byte[]>();
        sender.Socket.OnSend = (datagram, _) =>
        {
            if (datagram[0] != PacketTypes.Data)
            {
                return Verdict.Pass(datagram);
            }

            captured.Add(datagram);
            return Verdict.Drop;
        };
        try
        {
            Assert.Equal(SendResult.Queued, send());
        }
        finally
        {
            sender.Socket.OnSend = null;
        }

        return Assert.Single(captured);
    }
}
