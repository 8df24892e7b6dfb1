using System.Net;
using System.Net.Sockets;
using MeshHost.Transport.Network;
using MeshHost.Transport.Testing;

namespace MeshHost.Transport.Tests.Testing;

public sealed class InMemoryNetworkTests
{
    private const int Seed = 20240501;

    private readonly ManualTimeProvider _time = new();

    [Fact]
    public void Latency_DeliversAtExactlyTheConfiguredTime_NeverInsideSend()
    {
        var network = new InMemoryNetwork(_time, Seed) { DefaultConditions = new LinkConditions { Latency = TimeSpan.FromMilliseconds(25) } };
        var recorder = new DeliveryRecorder(_time);
        using InMemoryDatagramSocket a = network.CreateSocket();
        using InMemoryDatagramSocket b = network.CreateSocket();
        recorder.Attach(b);

        Assert.Equal(DatagramSendResult.Sent, a.Send(Numbered(1), b.LocalEndPoint.Serialize()));
        _time.Advance(TimeSpan.FromMilliseconds(25) - TimeSpan.FromTicks(1));
        Assert.Empty(recorder.Deliveries);
        _time.Advance(TimeSpan.FromTicks(1));

        Delivery delivery = Assert.Single(recorder.Deliveries);
        Assert.Equal(TimeSpan.FromMilliseconds(25), delivery.At);
        Assert.Equal(a.LocalEndPoint, delivery.Source);
        Assert.Equal(b.LocalEndPoint, delivery.Destination);
        Assert.Equal(new DatagramSocketStatistics(1, 4, 0, 0, 0, 0, 0), a.Statistics);
        Assert.Equal(new DatagramSocketStatistics(0, 0, 1, 4, 0, 0, 0), b.Statistics);
    }

    [Fact]
    public void ZeroLatency_StillWaitsForTheClock_AndRepliesAreNotReentrant()
    {
        var network = new InMemoryNetwork(_time, Seed);
        var recorder = new DeliveryRecorder(_time);
        using InMemoryDatagramSocket a = network.CreateSocket();
        using InMemoryDatagramSocket b = network.CreateSocket();
        int depth = 0;
        recorder.OnEach = (socket, delivery) =>
        {
            Assert.Equal(0, depth++);
            if (delivery.Number < 5)
            {
                socket.Send(Numbered(delivery.Number + 1), delivery.Source.Serialize());
            }

            depth--;
        };
        recorder.Attach(a);
        recorder.Attach(b);

        a.Send(Numbered(0), b.LocalEndPoint.Serialize());
        Assert.Empty(recorder.Deliveries);
        _time.Advance(TimeSpan.Zero);

        Assert.Equal([0, 1, 2, 3, 4, 5], recorder.Deliveries.Select(d => d.Number));
        Assert.All(recorder.Deliveries, d => Assert.Equal(TimeSpan.Zero, d.At));
    }

    [Fact]
    public void UsesOneTimerForTheWholeNetwork()
    {
        var counting = new CountingTimeProvider(_time);
        var network = new InMemoryNetwork(counting, Seed) { DefaultConditions = new LinkConditions { Latency = TimeSpan.FromMilliseconds(5), Jitter = TimeSpan.FromMilliseconds(5) } };
        var recorder = new DeliveryRecorder(_time);
        using InMemoryDatagramSocket a = network.CreateSocket();
        using InMemoryDatagramSocket b = network.CreateSocket();
        recorder.Attach(b);

        for (int i = 0; i < 100; i++)
        {
            a.Send(Numbered(i), b.LocalEndPoint.Serialize());
        }

        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(100, recorder.Deliveries.Count);
        Assert.Equal(1, counting.TimersCreated);
    }

    [Fact]
    public void Deliveries_HappenInDeliveryTimeOrder_TiesInSendOrder()
    {
        var network = new InMemoryNetwork(_time, Seed);
        var recorder = new DeliveryRecorder(_time);
        using InMemoryDatagramSocket a = network.CreateSocket();
        using InMemoryDatagramSocket b = network.CreateSocket();
        using InMemoryDatagramSocket c = network.CreateSocket();
        recorder.Attach(b);
        recorder.Attach(c);
        network.SetConditions(a.LocalEndPoint, b.LocalEndPoint, new LinkConditions { Latency = TimeSpan.FromMilliseconds(10) });
        network.SetConditions(a.LocalEndPoint, c.LocalEndPoint, new LinkConditions { Latency = TimeSpan.FromMilliseconds(5) });

        a.Send(Numbered(1), b.LocalEndPoint.Serialize());
        a.Send(Numbered(2), c.LocalEndPoint.Serialize());
        a.Send(Numbered(3), b.LocalEndPoint.Serialize());
        a.Send(Numbered(4), c.LocalEndPoint.Serialize());
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal([2, 4, 1, 3], recorder.Deliveries.Select(d => d.Number));
    }

    [Fact]
    public void LossRate_DropsTheExpectedShare()
    {
        const int Count = 10_000;
        var network = new InMemoryNetwork(_time, Seed) { DefaultConditions = new LinkConditions { LossRate = 0.2 } };
        var recorder = new DeliveryRecorder(_time);
        using InMemoryDatagramSocket a = network.CreateSocket();
        using InMemoryDatagramSocket b = network.CreateSocket();
        recorder.Attach(b);

        SendNumbered(a, b, Count);
        _time.Advance(TimeSpan.Zero);

        // Binomial(10,000, 0.2): mean 2,000, standard deviation 40; allow five of them.
        InMemoryNetworkStatistics statistics = network.Statistics;
        Assert.InRange(statistics.DroppedByLoss, 1_800, 2_200);
        Assert.Equal(Count - statistics.DroppedByLoss, recorder.Deliveries.Count);
        Assert.Equal(statistics.DatagramsDelivered, recorder.Deliveries.Count);
        Assert.Equal(Count, statistics.DatagramsSent);
        Assert.Equal(Count, a.Statistics.DatagramsSent); // the sender cannot tell
    }

    [Fact]
    public void DuplicateRate_DeliversSomeDatagramsTwice()
    {
        const int Count = 10_000;
        var network = new InMemoryNetwork(_time, Seed) { DefaultConditions = new LinkConditions { DuplicateRate = 0.3, Latency = TimeSpan.FromMilliseconds(1) } };
        var recorder = new DeliveryRecorder(_time);
        using InMemoryDatagramSocket a = network.CreateSocket();
        using InMemoryDatagramSocket b = network.CreateSocket();
        recorder.Attach(b);

        SendNumbered(a, b, Count);
        _time.Advance(TimeSpan.FromMilliseconds(1));

        long duplicated = network.Statistics.Duplicated;
        Assert.InRange(duplicated, 2_770, 3_230); // mean 3,000, sd about 46
        Assert.Equal(Count + duplicated, recorder.Deliveries.Count);
        var copies = recorder.Deliveries.GroupBy(d => d.Number).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(Count, copies.Count);
        Assert.Equal(duplicated, copies.Values.Count(n => n == 2));
        Assert.All(copies.Values, n => Assert.InRange(n, 1, 2));
    }

    [Fact]
    public void ReorderRate_LetsLaterDatagramsOvertake()
    {
        const int Count = 1_000;
        var network = new InMemoryNetwork(_time, Seed)
        {
            DefaultConditions = new LinkConditions { Latency = TimeSpan.FromMilliseconds(10), ReorderRate = 0.1, ReorderDelay = TimeSpan.FromMilliseconds(20) },
        };
        var recorder = new DeliveryRecorder(_time);
        using InMemoryDatagramSocket a = network.CreateSocket();
        using InMemoryDatagramSocket b = network.CreateSocket();
        recorder.Attach(b);

        for (int i = 0; i < Count; i++)
        {
            a.Send(Numbered(i), b.LocalEndPoint.Serialize());
            _time.Advance(TimeSpan.FromMilliseconds(1));
        }

        _time.Advance(TimeSpan.FromSeconds(1));

        List<int> order = recorder.Deliveries.Select(d => d.Number).ToList();
        Assert.Equal(Enumerable.Range(0, Count), order.Order());
        int overtaken = order.Where((number, index) => index > 0 && number < order[index - 1]).Count();
        Assert.True(overtaken > 0, "Nothing was reordered.");
        Assert.InRange(network.Statistics.Reordered, 60, 140); // mean 100, sd about 9.5
        Assert.All(recorder.Deliveries, d => Assert.True(d.At == TimeSpan.FromMilliseconds(d.Number + 10) || d.At == TimeSpan.FromMilliseconds(d.Number + 30)));
    }

    [Fact]
    public void Jitter_KeepsEachDelayWithinLatencyPlusJitter()
    {
        var network = new InMemoryNetwork(_time, Seed)
        {
            DefaultConditions = new LinkConditions { Latency = TimeSpan.FromMilliseconds(20), Jitter = TimeSpan.FromMilliseconds(10) },
        };
        var recorder = new DeliveryRecorder(_time);
        using InMemoryDatagramSocket a = network.CreateSocket();
        using InMemoryDatagramSocket b = network.CreateSocket();
        recorder.Attach(b);

        SendNumbered(a, b, 1_000);
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(1_000, recorder.Deliveries.Count);
        Assert.All(recorder.Deliveries, d => Assert.InRange(d.At, TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(30)));
        Assert.True(recorder.Deliveries.Select(d => d.At).Distinct().Count() > 500, "Jitter did not vary the delay.");
    }

    [Fact]
    public void Bandwidth_SerializesDatagramsOneAfterAnother()
    {
        var network = new InMemoryNetwork(_time, Seed)
        {
            DefaultConditions = new LinkConditions { BandwidthBytesPerSecond = 100_000, Latency = TimeSpan.FromMilliseconds(5) },
        };
        var recorder = new DeliveryRecorder(_time);
        using InMemoryDatagramSocket a = network.CreateSocket();
        using InMemoryDatagramSocket b = network.CreateSocket();
        recorder.Attach(b);

        // 1,000 bytes take 10 ms at 100 kB/s: arrivals 15, 25, ... 105 ms.
        SendNumbered(a, b, 10, size: 1_000);
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(Enumerable.Range(0, 10).Select(i => TimeSpan.FromMilliseconds(15 + (10 * i))), recorder.Deliveries.Select(d => d.At));

        // An idle link starts serializing at once again.
        a.Send(new byte[500], b.LocalEndPoint.Serialize());
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.FromMilliseconds(1_000 + 5 + 5), recorder.Deliveries[^1].At);
    }

    [Fact]
    public void QueueLimit_DropsTailBeyondIt()
    {
        var network = new InMemoryNetwork(_time, Seed)
        {
            DefaultConditions = new LinkConditions { BandwidthBytesPerSecond = 10_000, QueueLimitBytes = 5_000 },
        };
        var recorder = new DeliveryRecorder(_time);
        using InMemoryDatagramSocket a = network.CreateSocket();
        using InMemoryDatagramSocket b = network.CreateSocket();
        recorder.Attach(b);

        SendNumbered(a, b, 20, size: 1_000);
        _time.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal([0, 1, 2, 3, 4], recorder.Deliveries.Select(d => d.Number));
        Assert.Equal(15, network.Statistics.DroppedByQueueLimit);
    }

    [Fact]
    public void QueueLimit_WithoutBandwidthLimit_BoundsTheBytesInFlight()
    {
        var network = new InMemoryNetwork(_time, Seed)
        {
            DefaultConditions = new LinkConditions { Latency = TimeSpan.FromSeconds(1), QueueLimitBytes = 3_000 },
        };
        var recorder = new DeliveryRecorder(_time);
        using InMemoryDatagramSocket a = network.CreateSocket();
        using InMemoryDatagramSocket b = network.CreateSocket();
        recorder.Attach(b);

        SendNumbered(a, b, 5, size: 1_000);
        _time.Advance(TimeSpan.FromSeconds(1));
        a.Send(Numbered(5, 1_000), b.LocalEndPoint.Serialize());
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal([0, 1, 2, 5], recorder.Deliveries.Select(d => d.Number));
        Assert.Equal(2, network.Statistics.DroppedByQueueLimit);
        Assert.Equal(0, network.Statistics.DatagramsInFlight);
    }

    [Fact]
    public void Partition_CutsBothDirections_AndHealRestoresThem()
    {
        var network = new InMemoryNetwork(_time, Seed) { DefaultConditions = new LinkConditions { Latency = TimeSpan.FromMilliseconds(10) } };
        var recorder = new DeliveryRecorder(_time);
        using InMemoryDatagramSocket a = network.CreateSocket();
        using InMemoryDatagramSocket b = network.CreateSocket();
        using InMemoryDatagramSocket c = network.CreateSocket();
        recorder.Attach(a);
        recorder.Attach(b);
        recorder.Attach(c);

        a.Send(Numbered(1), b.LocalEndPoint.Serialize()); // in flight when the cable is cut
        network.Partition(a.LocalEndPoint, b.LocalEndPoint);
        a.Send(Numbered(2), b.LocalEndPoint.Serialize());
        b.Send(Numbered(3), a.LocalEndPoint.Serialize());
        a.Send(Numbered(4), c.LocalEndPoint.Serialize());
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal([4], recorder.Deliveries.Select(d => d.Number));
        Assert.Equal(3, network.Statistics.DroppedByPartition);

        network.Heal(a.LocalEndPoint, b.LocalEndPoint);
        a.Send(Numbered(5), b.LocalEndPoint.Serialize());
        b.Send(Numbered(6), a.LocalEndPoint.Serialize());
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal([4, 5, 6], recorder.Deliveries.Select(d => d.Number));
    }

    [Fact]
    public void Mtu_RejectsLargerDatagramsAsTooLarge()
    {
        var network = new InMemoryNetwork(_time, Seed) { DefaultConditions = new LinkConditions { Mtu = 1_200 } };
        var recorder = new DeliveryRecorder(_time);
        using InMemoryDatagramSocket a = network.CreateSocket();
        using InMemoryDatagramSocket b = network.CreateSocket();
        using InMemoryDatagramSocket c = network.CreateSocket();
        recorder.Attach(b);
        recorder.Attach(c);
        network.SetConditions(a.LocalEndPoint, c.LocalEndPoint, new LinkConditions { Mtu = 9_000 });

        Assert.Equal(1_200, a.MaxDatagramSize);
        Assert.Equal(DatagramSendResult.TooLarge, a.Send(new byte[1_201], b.LocalEndPoint.Serialize()));
        Assert.Equal(DatagramSendResult.Sent, a.Send(new byte[1_200], b.LocalEndPoint.Serialize()));
        Assert.Equal(DatagramSendResult.Sent, a.Send(new byte[9_000], c.LocalEndPoint.Serialize()));
        _time.Advance(TimeSpan.Zero);

        Assert.Equal([1_200, 9_000], recorder.Deliveries.Select(d => d.Payload.Length));
        Assert.Equal(1, network.Statistics.RejectedTooLarge);
        Assert.Equal(1, a.Statistics.SendErrors);
    }

    [Fact]
    public void SameSeedAndSameActions_GiveIdenticalDeliveries()
    {
        IReadOnlyList<Delivery> first = RunLossyScenario(Seed);
        IReadOnlyList<Delivery> second = RunLossyScenario(Seed);
        IReadOnlyList<Delivery> other = RunLossyScenario(Seed + 1);

        Assert.True(first.Count > 1_000);
        Assert.Equal(first.Select(Describe), second.Select(Describe));
        Assert.NotEqual(first.Select(Describe), other.Select(Describe));

        static string Describe(Delivery d) => $"{d.At.Ticks} {d.Source}>{d.Destination} {Convert.ToHexString(d.Payload)}";
    }

    [Fact]
    public void DatagramsWithNowhereToGo_AreCountedAsNoReceiver()
    {
        var network = new InMemoryNetwork(_time, Seed) { DefaultConditions = new LinkConditions { Latency = TimeSpan.FromMilliseconds(1) } };
        var recorder = new DeliveryRecorder(_time);
        using InMemoryDatagramSocket a = network.CreateSocket();
        using InMemoryDatagramSocket notStarted = network.CreateSocket();
        InMemoryDatagramSocket closing = network.CreateSocket();
        recorder.Attach(closing);

        Assert.Equal(DatagramSendResult.Sent, a.Send(Numbered(1), new IPEndPoint(IPAddress.Loopback, 9).Serialize()));
        a.Send(Numbered(2), notStarted.LocalEndPoint.Serialize());
        a.Send(Numbered(3), closing.LocalEndPoint.Serialize());
        closing.Dispose();
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Empty(recorder.Deliveries);
        Assert.Equal(3, network.Statistics.DroppedNoReceiver);
        Assert.Equal(DatagramSendResult.Dropped, closing.Send(Numbered(4), a.LocalEndPoint.Serialize()));
    }

    [Fact]
    public void ReceiverException_IsCounted_AndDeliveryContinues()
    {
        var network = new InMemoryNetwork(_time, Seed);
        var recorder = new DeliveryRecorder(_time)
        {
            OnEach = (_, delivery) =>
            {
                if (delivery.Number == 1)
                {
                    throw new InvalidOperationException("faulty receiver");
                }
            },
        };
        using InMemoryDatagramSocket a = network.CreateSocket();
        using InMemoryDatagramSocket b = network.CreateSocket();
        recorder.Attach(b);

        SendNumbered(a, b, 3);
        _time.Advance(TimeSpan.Zero);

        Assert.Equal([0, 1, 2], recorder.Deliveries.Select(d => d.Number));
        Assert.Equal(1, b.Statistics.ReceiverFaults);
    }

    [Fact]
    public void CreateSocket_HandsOutUniqueLoopbackPorts_AndRefusesTakenEndpoints()
    {
        var network = new InMemoryNetwork(_time, Seed);
        using InMemoryDatagramSocket a = network.CreateSocket();
        using InMemoryDatagramSocket b = network.CreateSocket();
        using InMemoryDatagramSocket given = network.CreateSocket(new IPEndPoint(IPAddress.IPv6Loopback, 4000));

        Assert.Equal(IPAddress.Loopback, a.LocalEndPoint.Address);
        Assert.NotEqual(a.LocalEndPoint.Port, b.LocalEndPoint.Port);
        Assert.Equal(new IPEndPoint(IPAddress.IPv6Loopback, 4000), given.LocalEndPoint);
        SocketException taken = Assert.Throws<SocketException>(() => network.CreateSocket(a.LocalEndPoint));
        Assert.Equal(SocketError.AddressAlreadyInUse, taken.SocketErrorCode);
        Assert.Throws<InvalidOperationException>(() =>
        {
            a.Start(new DeliveryRecorderSink());
            a.Start(new DeliveryRecorderSink());
        });
    }

    [Fact]
    public void IPv6Sockets_ReportTheirSource()
    {
        var network = new InMemoryNetwork(_time, Seed);
        var recorder = new DeliveryRecorder(_time);
        using InMemoryDatagramSocket a = network.CreateSocket(new IPEndPoint(IPAddress.IPv6Loopback, 0));
        using InMemoryDatagramSocket b = network.CreateSocket(new IPEndPoint(IPAddress.IPv6Loopback, 0));
        recorder.Attach(b);

        a.Send(Numbered(1), b.LocalEndPoint.Serialize());
        _time.Advance(TimeSpan.Zero);

        Assert.Equal(a.LocalEndPoint, Assert.Single(recorder.Deliveries).Source);
    }

    [Fact]
    public void LinkConditions_RejectValuesOutOfRange()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new LinkConditions { LossRate = 1.5 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new LinkConditions { DuplicateRate = -0.1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new LinkConditions { Latency = TimeSpan.FromTicks(-1) });
        Assert.Throws<ArgumentOutOfRangeException>(() => new LinkConditions { Mtu = 70_000 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new LinkConditions { QueueLimitBytes = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new LinkConditions { BandwidthBytesPerSecond = -1 });
        Assert.Equal(LinkConditions.DefaultQueueLimitBytes, new LinkConditions().QueueLimitBytes);
        Assert.Equal(65_507, new LinkConditions().Mtu);
    }

    [Fact]
    public async Task SystemTimeProvider_DeliversOnItsOwn_OneCallAtATime()
    {
        var network = new InMemoryNetwork(TimeProvider.System, Seed)
        {
            DefaultConditions = new LinkConditions { Latency = TimeSpan.FromMilliseconds(2), Jitter = TimeSpan.FromMilliseconds(3) },
        };
        var recorder = new DeliveryRecorder(TimeProvider.System);
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        const int PerSender = 200;
        recorder.OnEach = (_, _) =>
        {
            if (recorder.Deliveries.Count == 4 * PerSender)
            {
                all.TrySetResult();
            }
        };
        using InMemoryDatagramSocket b = network.CreateSocket();
        recorder.Attach(b);
        InMemoryDatagramSocket[] senders = [network.CreateSocket(), network.CreateSocket(), network.CreateSocket(), network.CreateSocket()];

        await Task.WhenAll(senders.Select(s => Task.Run(() => SendNumbered(s, b, PerSender)))).WaitAsync(TimeSpan.FromSeconds(10));
        await all.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.False(recorder.SawConcurrentCalls);
        Assert.All(recorder.Deliveries, d => Assert.True(d.At >= TimeSpan.FromMilliseconds(2)));
        foreach (InMemoryDatagramSocket sender in senders)
        {
            sender.Dispose();
        }
    }

    private static IReadOnlyList<Delivery> RunLossyScenario(int seed)
    {
        var time = new ManualTimeProvider();
        var network = new InMemoryNetwork(time, seed)
        {
            DefaultConditions = new LinkConditions
            {
                LossRate = 0.1,
                DuplicateRate = 0.05,
                ReorderRate = 0.05,
                ReorderDelay = TimeSpan.FromMilliseconds(15),
                Latency = TimeSpan.FromMilliseconds(20),
                Jitter = TimeSpan.FromMilliseconds(4),
                BandwidthBytesPerSecond = 2_000_000,
                QueueLimitBytes = 20_000,
            },
        };
        var recorder = new DeliveryRecorder(time);
        InMemoryDatagramSocket a = network.CreateSocket();
        InMemoryDatagramSocket b = network.CreateSocket();
        recorder.Attach(a);
        recorder.Attach(b);

        // Echo a fraction back so that sends made inside deliveries are part of the scenario.
        recorder.OnEach = (socket, delivery) =>
        {
            if (delivery.Number % 7 == 0 && delivery.Payload.Length < 200)
            {
                socket.Send(Numbered(delivery.Number, 300), delivery.Source.Serialize());
            }
        };
        for (int i = 0; i < 2_000; i++)
        {
            a.Send(Numbered(i, 100 + (i % 900)), b.LocalEndPoint.Serialize());
            time.Advance(TimeSpan.FromMicroseconds(300));
        }

        time.Advance(TimeSpan.FromSeconds(5));

        // Every datagram (and every duplicate) is accounted for exactly once.
        InMemoryNetworkStatistics s = network.Statistics;
        Assert.Equal(0, s.DatagramsInFlight);
        Assert.True(s.DroppedByLoss > 0 && s.Duplicated > 0 && s.Reordered > 0 && s.DroppedByQueueLimit > 0, s.ToString());
        Assert.Equal(s.DatagramsSent + s.Duplicated, s.DatagramsDelivered + s.DroppedByLoss + s.DroppedByQueueLimit + s.DroppedByPartition + s.DroppedNoReceiver);
        Assert.Equal(s.DatagramsDelivered, recorder.Deliveries.Count);
        return recorder.Deliveries;
    }

    private static void SendNumbered(IDatagramSocket from, IDatagramSocket to, int count, int size = 4)
    {
        SocketAddress destination = to.LocalEndPoint.Serialize();
        for (int i = 0; i < count; i++)
        {
            Assert.Equal(DatagramSendResult.Sent, from.Send(Numbered(i, size), destination));
        }
    }

    private static byte[] Numbered(int number, int size = 4)
    {
        byte[] payload = new byte[Math.Max(size, 4)];
        BitConverter.TryWriteBytes(payload, number);
        return payload;
    }

    private sealed class DeliveryRecorderSink : IDatagramReceiver
    {
        public void OnDatagram(ReadOnlySpan<byte> datagram, SocketAddress source)
        {
        }
    }

    /// <summary>Passes everything to a clock and counts the timers created on it.</summary>
    private sealed class CountingTimeProvider(TimeProvider inner) : TimeProvider
    {
        public int TimersCreated { get; private set; }

        public override long TimestampFrequency => inner.TimestampFrequency;

        public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();

        public override long GetTimestamp() => inner.GetTimestamp();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            TimersCreated++;
            return inner.CreateTimer(callback, state, dueTime, period);
        }
    }
}
