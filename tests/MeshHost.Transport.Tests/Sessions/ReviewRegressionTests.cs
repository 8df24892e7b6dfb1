using MeshHost.Transport.Lanes;
using MeshHost.Transport.Testing;

namespace MeshHost.Transport.Tests.Sessions;

/// <summary>Defects found in review of the session code, each pinned by the behaviour that exposed it.</summary>
public sealed class ReviewRegressionTests
{
    [Fact]
    public void A_receiver_that_only_acknowledges_tracks_none_of_its_ack_packets()
    {
        // ACK-only packets used to be stored until acknowledged; a peer that never acknowledges
        // filled the 16,384-packet ring and the next send threw (on a timer thread: process exit).
        using var harness = new SessionHarness(conditions: new LinkConditions { Latency = TimeSpan.FromMilliseconds(5) });
        var (clientEndpoint, _) = harness.AddEndpoint();
        var (serverEndpoint, serverHandler) = harness.AddEndpoint();
        var (client, server) = harness.Connect(clientEndpoint, serverHandler, serverEndpoint);

        for (int i = 0; i < 2_000; i++)
        {
            Assert.Equal(SendResult.Queued, client.TrySend(1, DeliveryMethod.ReliableOrdered, new byte[100]));
            harness.Run(TimeSpan.FromMilliseconds(1));
        }

        harness.Run(TimeSpan.FromMilliseconds(200));
        Assert.Equal(2_000, serverHandler.Messages.Count(m => m.Channel == 1));
        Assert.True(server.GetStatistics().PacketsSent > 500, "the server should have acknowledged many packets");
        Assert.Equal(0, server.TrackedPacketCount);
    }

    [Fact]
    public void A_reliable_sequenced_sender_faster_than_the_round_trip_keeps_only_its_newest_message()
    {
        // Superseded messages used to stay buffered until the session-wide send limit filled.
        using var harness = new SessionHarness(conditions: new LinkConditions { Latency = TimeSpan.FromMilliseconds(25) });
        var (clientEndpoint, _) = harness.AddEndpoint();
        var (serverEndpoint, serverHandler) = harness.AddEndpoint();
        var (client, _) = harness.Connect(clientEndpoint, serverHandler, serverEndpoint);

        long most = 0;
        for (int i = 0; i < 3_000; i++)
        {
            Assert.Equal(SendResult.Queued, client.TrySend(3, DeliveryMethod.ReliableSequenced, new byte[100]));
            most = Math.Max(most, client.BufferedBytes);
            harness.Run(TimeSpan.FromMilliseconds(16));
        }

        Assert.True(most <= 100, $"{most} bytes were buffered for one 100-byte lane");
    }

    [Fact]
    public void A_message_split_into_more_pieces_than_any_sender_makes_is_refused_before_it_gets_slow()
    {
        // One-byte fragments at every other offset made each insertion scan and shift the whole set.
        var message = new IncomingMessage();
        message.Reset(totalLength: 1 << 20, flowControlled: true);
        byte[] one = [7];
        int added = 0;
        FragmentResult result = FragmentResult.Added;
        for (int offset = 0; offset < 1 << 20 && result == FragmentResult.Added; offset += 2)
        {
            result = message.Add(offset, one);
            added++;
        }

        Assert.Equal(FragmentResult.TooFragmented, result);
        Assert.Equal((1 << 20) / 1024 + 64 + 1, added);
        message.ReturnBuffer();
    }

    [Fact]
    public void Fragments_are_counted_once_however_they_overlap()
    {
        var message = new IncomingMessage();
        message.Reset(totalLength: 100, flowControlled: true);
        byte[] data = new byte[60];
        Assert.Equal(FragmentResult.Added, message.Add(0, data.AsSpan(0, 60)));
        Assert.Equal(FragmentResult.Duplicate, message.Add(10, data.AsSpan(0, 40)));
        Assert.False(message.IsComplete);
        Assert.Equal(FragmentResult.Added, message.Add(50, data.AsSpan(0, 50)));
        Assert.True(message.IsComplete);
        message.ReturnBuffer();
    }

    [Theory]
    [InlineData(DeliveryMethod.Unreliable)]
    [InlineData(DeliveryMethod.Sequenced)]
    [InlineData(DeliveryMethod.ReliableSequenced)]
    public void A_message_beyond_the_reassembly_cap_of_its_method_is_too_large(DeliveryMethod method)
    {
        // It used to be accepted, acknowledged fragment by fragment, and never delivered.
        var options = new TransportOptions { MaxUnreliableReassemblyBytes = 64 * 1024 };
        using var harness = new SessionHarness(options: options);
        var (clientEndpoint, _) = harness.AddEndpoint();
        var (serverEndpoint, serverHandler) = harness.AddEndpoint();
        var (client, _) = harness.Connect(clientEndpoint, serverHandler, serverEndpoint);

        Assert.Equal(SendResult.TooLarge, client.TrySend(1, method, new byte[(64 * 1024) + 1]));
        Assert.Equal(SendResult.Queued, client.TrySend(1, method, new byte[64 * 1024]));
        Assert.Equal(SendResult.Queued, client.TrySend(1, DeliveryMethod.ReliableOrdered, new byte[(64 * 1024) + 1]));
    }
}
