namespace MeshHost.Transport.Tests.Attacks;

/// <summary>
/// An on-path attacker (or plain bad luck) drops one datagram: loss recovery must resend its
/// frames promptly, whatever else the sender has to say, not stall until a keepalive.
/// </summary>
public sealed class DroppedPacketTests : IDisposable
{
    private static readonly TransportOptions Options = new() { EnableMtuDiscovery = false };

    private readonly AttackNetwork _net = new(seed: 41);

    public void Dispose() => _net.Dispose();

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void A_dropped_fragment_is_resent_within_a_second(int dropIndex)
    {
        AttackNode client = _net.AddNode(Options);
        AttackNode server = _net.AddNode(Options);
        var (clientSession, _) = _net.Connect(client, server);
        _net.Run(TimeSpan.FromMilliseconds(100));

        int dataPackets = 0;
        client.Socket.OnSend = (datagram, _) => datagram[0] == PacketTypes.Data && dataPackets++ == dropIndex ? Verdict.Drop : Verdict.Pass(datagram);
        byte[] message = new byte[3000];
        new Random(dropIndex).NextBytes(message);
        Assert.Equal(SendResult.Queued, clientSession.TrySend(1, DeliveryMethod.ReliableOrdered, message));
        client.Socket.OnSend = null;

        // The receiver only acknowledges (ACK-only packets, which the sender then has to
        // acknowledge in passing): the resent fragment must still go out, well before the 15 s keepalive.
        _net.RunUntil(() => !server.Handler.Messages.IsEmpty, TimeSpan.FromSeconds(1), "the message with its lost fragment resent");
        Assert.Equal(message, Assert.Single(server.Handler.Messages).Data);
        Assert.True(clientSession.GetStatistics().Retransmissions > 0);
    }
}
