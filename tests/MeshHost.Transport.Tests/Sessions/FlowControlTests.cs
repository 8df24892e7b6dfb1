using MeshHost.Transport.Testing;
using Xunit.Abstractions;

namespace MeshHost.Transport.Tests.Sessions;

/// <summary>
/// Back-pressure and flow control (docs/transport.md, "Flow control and back-pressure"): a sender
/// far faster than its path is held to <see cref="TransportOptions.SendBufferLimit"/>, the
/// receiver never holds more than <see cref="TransportOptions.ReceiveWindow"/>, and nothing is
/// lost or reordered on the way.
/// </summary>
public sealed class FlowControlTests(ITestOutputHelper output)
{
    private static readonly TransportOptions SmallBuffers = new()
    {
        MaxMessageSize = 256 * 1024,
        SendBufferLimit = 1024 * 1024,
        ReceiveWindow = 1024 * 1024 + 256 * 1024,
    };

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_fast_sender_is_held_back_and_everything_arrives_in_order(int seed)
    {
        using var harness = new SessionHarness(seed, SmallBuffers, new LinkConditions
        {
            Latency = TimeSpan.FromMilliseconds(10),
            BandwidthBytesPerSecond = 1_000_000,
            QueueLimitBytes = 64 * 1024,
            LossRate = 0.01,
            Mtu = 1500,
        });
        var (clientEndpoint, _) = harness.AddEndpoint();
        var (serverEndpoint, serverHandler) = harness.AddEndpoint();
        var (client, server) = harness.Connect(clientEndpoint, serverHandler, serverEndpoint);

        long maxBuffered = 0;
        long maxReassembly = 0;
        harness.AfterStep = () =>
        {
            long buffered = client.BufferedBytes;
            long reassembly = server.ReassemblyBytes;
            maxBuffered = Math.Max(maxBuffered, buffered);
            maxReassembly = Math.Max(maxReassembly, reassembly);
            Assert.True(buffered <= SmallBuffers.SendBufferLimit, $"The sender holds {buffered} bytes, over its limit of {SmallBuffers.SendBufferLimit}.");
            Assert.True(reassembly <= SmallBuffers.ReceiveWindow, $"The receiver holds {reassembly} bytes, over its window of {SmallBuffers.ReceiveWindow}.");
        };

        (byte Channel, DeliveryMethod Method)[] lanes = [(0, DeliveryMethod.ReliableOrdered), (1, DeliveryMethod.ReliableOrdered), (2, DeliveryMethod.ReliableUnordered)];
        var random = new Random(seed);
        var sent = new Dictionary<(byte, uint), byte[]>();
        var nextSequence = new uint[lanes.Length];
        int wouldBlock = 0;
        int asyncWaits = 0;
        long totalBytes = 0;
        for (int i = 0; i < 400; i++)
        {
            int lane = random.Next(lanes.Length);
            (byte channel, DeliveryMethod method) = lanes[lane];
            uint sequence = nextSequence[lane]++;
            byte[] message = TestPayload.Create(channel, method, sequence, random.NextDouble() switch
            {
                < 0.3 => random.Next(TestPayload.HeaderSize, 64),
                < 0.6 => random.Next(900, 1_100),
                < 0.8 => random.Next(5_000, 5_200),
                < 0.95 => 64 * 1024,
                _ => SmallBuffers.MaxMessageSize,
            });
            sent.Add((channel, sequence), message);
            totalBytes += message.Length;

            if (i % 2 == 0)
            {
                ValueTask send = client.SendAsync(channel, method, message);
                asyncWaits += send.IsCompleted ? 0 : 1;
                harness.Await(send, client, TimeSpan.FromMinutes(1));
            }
            else
            {
                TimeSpan giveUp = harness.Now + TimeSpan.FromMinutes(1);
                SendResult result;
                while ((result = client.TrySend(channel, method, message)) == SendResult.WouldBlock)
                {
                    wouldBlock++;
                    Assert.True(harness.Now < giveUp, "The send buffer did not drain within a minute.");
                    harness.Run(TimeSpan.FromMilliseconds(1));
                }

                Assert.Equal(SendResult.Queued, result);
            }
        }

        harness.RunUntil(() => serverHandler.Messages.Count == sent.Count && client.BufferedBytes == 0, TimeSpan.FromMinutes(2));
        output.WriteLine($"{totalBytes} bytes in {harness.Now}; TrySend blocked {wouldBlock} times, SendAsync waited {asyncWaits} times; " +
            $"max buffered {maxBuffered}, max reassembly {maxReassembly}; {client.GetStatistics()}");

        Assert.True(wouldBlock > 0, "TrySend never returned WouldBlock: the sender was not held back.");
        Assert.True(asyncWaits > 0, "SendAsync never had to wait.");
        Assert.True(client.IsOpen, $"closed: {client.CloseReason}");

        var next = new Dictionary<byte, uint>();
        var seen = new HashSet<(byte, uint)>();
        foreach (ReceivedMessage message in serverHandler.Messages)
        {
            Assert.True(TestPayload.TryRead(message.Data, out byte channel, out DeliveryMethod method, out uint sequence, out string? error), error);
            Assert.True(seen.Add((channel, sequence)), $"Delivered twice: channel {channel} #{sequence}.");
            Assert.Equal(sent[(channel, sequence)], message.Data);
            if (method == DeliveryMethod.ReliableOrdered)
            {
                Assert.Equal(next.GetValueOrDefault(channel), sequence);
                next[channel] = sequence + 1;
            }
        }
    }

    [Fact]
    public void A_receive_window_below_the_initial_credit_is_refused()
    {
        // A peer may send 1 MiB before our first MAX_DATA reaches it (docs/transport.md); a smaller
        // window could not bound what we then hold.
        var options = new TransportOptions { MaxMessageSize = 64 * 1024, ReceiveWindow = 256 * 1024 };
        using var harness = new SessionHarness();
        ArgumentOutOfRangeException error = Assert.Throws<ArgumentOutOfRangeException>(() => harness.AddEndpoint(options));
        Assert.Equal(nameof(TransportOptions.ReceiveWindow), error.ParamName);
    }

    [Fact]
    public void A_receive_window_without_room_for_the_largest_message_is_refused()
    {
        // Credit counts a message as its length plus 256 bytes, so a window only 16 bytes over
        // MaxMessageSize could never admit a message of that size.
        var options = new TransportOptions { MaxMessageSize = 2 * 1024 * 1024, ReceiveWindow = (2 * 1024 * 1024) + 16 };
        using var harness = new SessionHarness();
        ArgumentOutOfRangeException error = Assert.Throws<ArgumentOutOfRangeException>(() => harness.AddEndpoint(options));
        Assert.Equal(nameof(TransportOptions.ReceiveWindow), error.ParamName);
    }

    [Theory]
    [InlineData(new[] { 16 })]
    [InlineData(new[] { 5, 2, 16 })]
    [InlineData(new[] { 1, 1, 1, 16, 3, 16 })]
    public void A_maximum_size_message_always_gets_its_credit(int[] mebibytes)
    {
        // The defaults: 16 MiB messages, a 17 MiB window. Each message is sent once the previous
        // one arrived, so nothing else is in flight to bring a MAX_DATA.
        using var harness = new SessionHarness(conditions: new LinkConditions { Latency = TimeSpan.FromMilliseconds(10) });
        var (clientEndpoint, _) = harness.AddEndpoint();
        var (serverEndpoint, serverHandler) = harness.AddEndpoint();
        var (client, _) = harness.Connect(clientEndpoint, serverHandler, serverEndpoint);

        for (int i = 0; i < mebibytes.Length; i++)
        {
            byte[] message = TestPayload.Create(0, DeliveryMethod.ReliableOrdered, (uint)i, mebibytes[i] * 1024 * 1024);
            Assert.Equal(SendResult.Queued, client.TrySend(0, DeliveryMethod.ReliableOrdered, message));
            harness.RunUntil(() => serverHandler.Messages.Count == i + 1, TimeSpan.FromSeconds(60));
            Assert.True(message.AsSpan().SequenceEqual(serverHandler.Messages.Last().Data), $"Message {i} arrived altered.");
        }
    }

    [Fact]
    public void The_receive_window_bounds_reassembly_from_the_first_message()
    {
        // The smallest window allowed: exactly the credit a sender assumes before our first MAX_DATA.
        var options = new TransportOptions { MaxMessageSize = 64 * 1024, SendBufferLimit = 4 * 1024 * 1024, ReceiveWindow = 1024 * 1024 };
        var link = new LinkConditions { Latency = TimeSpan.FromMilliseconds(10), QueueLimitBytes = 16 * 1024 * 1024, Mtu = 1500 };
        using var harness = new SessionHarness(1, options, link);
        var (clientEndpoint, _) = harness.AddEndpoint();
        var (serverEndpoint, serverHandler) = harness.AddEndpoint();
        var (client, server) = harness.Connect(clientEndpoint, serverHandler, serverEndpoint);

        // Grow the congestion window with unreliable data, which takes no flow-control credit, so
        // that the reliable burst below leaves in one round trip.
        byte[] filler = new byte[8 * 1024];
        using (client.BeginBatch())
        {
            for (int i = 0; i < 512; i++)
            {
                Assert.Equal(SendResult.Queued, client.TrySend(9, DeliveryMethod.Unreliable, filler));
            }
        }

        harness.RunUntil(() => client.BufferedBytes == 0, TimeSpan.FromSeconds(30));
        harness.Run(TimeSpan.FromSeconds(1));
        Assert.True(client.GetStatistics().CongestionWindow >= 2 * options.ReceiveWindow, $"The congestion window only grew to {client.GetStatistics().CongestionWindow}.");

        long maxReassembly = 0;
        harness.AfterStep = () =>
        {
            long reassembly = server.ReassemblyBytes;
            maxReassembly = Math.Max(maxReassembly, reassembly);
            Assert.True(reassembly <= options.ReceiveWindow, $"The receiver holds {reassembly} bytes, over its window of {options.ReceiveWindow}.");
        };

        // The first reliable message is lost, so everything behind it on its lane waits at the receiver.
        harness.Network.SetConditions(clientEndpoint.LocalEndPoint, serverEndpoint.LocalEndPoint, link with { LossRate = 1 });
        Assert.Equal(SendResult.Queued, client.TrySend(0, DeliveryMethod.ReliableOrdered, TestPayload.Create(0, DeliveryMethod.ReliableOrdered, 0, 100)));
        harness.Network.SetConditions(clientEndpoint.LocalEndPoint, serverEndpoint.LocalEndPoint, null);
        for (uint sequence = 1; sequence <= 40; sequence++)
        {
            Assert.Equal(SendResult.Queued, client.TrySend(0, DeliveryMethod.ReliableOrdered, TestPayload.Create(0, DeliveryMethod.ReliableOrdered, sequence, options.MaxMessageSize)));
        }

        harness.RunUntil(() => serverHandler.Messages.Count(m => m.Channel == 0) == 41, TimeSpan.FromSeconds(30));
        output.WriteLine($"max reassembly {maxReassembly}; {client.GetStatistics()}");
        Assert.True(maxReassembly > options.ReceiveWindow / 2, $"The receiver never held more than {maxReassembly} bytes: the window was not put to the test.");
        Assert.Equal(Enumerable.Range(0, 41).Select(i => (uint)i), serverHandler.Messages.Where(m => m.Channel == 0).Select(m => TestPayload.TryRead(m.Data, out _, out _, out uint sequence, out _) ? sequence : uint.MaxValue));
    }
}
