using MeshHost.Transport.Frames;
using MeshHost.Transport.Recovery;
using Xunit.Abstractions;

namespace MeshHost.Transport.Tests.Recovery;

/// <summary>
/// A sender (tracker, NewReno, pacer) and a receiver (replay detection, delayed ACKs) joined by a
/// seeded network that loses, delays, reorders and duplicates datagrams in both directions, run on
/// simulated time. Every packet sent must end up reported exactly once, as acknowledged or lost.
/// </summary>
public class RecoverySimulationTests(ITestOutputHelper output)
{
    private const long Ms = 1_000;

    [Theory]
    [InlineData(1, 0.0, 0.0, 0, false)]
    [InlineData(2, 0.0, 0.0, 8_000, false)]
    [InlineData(3, 0.05, 0.02, 8_000, false)]
    [InlineData(4, 0.15, 0.10, 8_000, false)]
    [InlineData(5, 0.30, 0.30, 20_000, false)]
    [InlineData(6, 0.10, 0.0, 1_000, false)]
    [InlineData(7, 0.0, 0.0, 0, true)]
    [InlineData(8, 0.10, 0.05, 4_000, true)]
    public void EveryPacketIsReportedExactlyOnce(int seed, double dataLoss, double ackLoss, int jitter, bool cubic)
    {
        var simulation = new Simulation(new Random(seed), dataLoss, ackLoss, jitter, cubic, packetsToSend: 3_000);
        simulation.Run(maxTime: 600_000 * Ms);
        output.WriteLine(
            $"sent {simulation.SentPackets}, lost {simulation.LostCount.Sum()}, probes {simulation.ProbeTimeouts}, " +
            $"finished at {simulation.Now / Ms} ms, cwnd {simulation.Congestion.CongestionWindow}, srtt {simulation.Sender.Rtt.SmoothedRtt} µs");

        Assert.True(simulation.Sender.OutstandingCount == 0, $"{simulation.Sender.OutstandingCount} packets never resolved");
        Assert.Equal(0, simulation.Congestion.BytesInFlight);
        Assert.Equal(0, simulation.ProtocolViolations);
        Assert.True(simulation.SentPackets >= 3_000);
        for (ulong pn = 0; pn < (ulong)simulation.SentPackets; pn++)
        {
            int acked = simulation.AckedCount[(int)pn];
            int lost = simulation.LostCount[(int)pn];
            Assert.True(acked + lost == 1, $"packet {pn}: acked {acked} times, lost {lost} times");
            if (acked == 1)
            {
                Assert.True(simulation.Delivered.Contains(pn), $"packet {pn} acknowledged but never delivered");
            }
        }

        // Only copies are refused: every first arrival was delivered.
        Assert.Equal(simulation.Arrivals - simulation.Delivered.Count, simulation.DuplicatesRefused);
        if (dataLoss == 0 && ackLoss == 0 && jitter == 0)
        {
            // Without reordering nothing is declared lost; with it, kPacketThreshold makes some spurious losses.
            Assert.Equal(0, simulation.LostCount.Sum());
        }
        else if (dataLoss > 0)
        {
            Assert.True(simulation.LostCount.Sum() > 0);
        }
    }

    private sealed class Simulation : IRecoveryHandler
    {
        private const int DatagramSize = 1200;
        private const long OneWayDelay = 10 * Ms;

        private readonly Random _random;
        private readonly double _dataLoss;
        private readonly double _ackLoss;
        private readonly int _jitter;
        private readonly int _packetsToSend;
        private readonly RttEstimator _rtt = new();
        private readonly Pacer _pacer;
        private readonly ReceivedPacketTracker _receiver = new();
        private readonly PriorityQueue<Event, (long Time, long Sequence)> _events = new();
        private readonly byte[] _ackBuffer = new byte[1200];
        private readonly AckRange[] _decodedRanges = new AckRange[64];
        private long _sequence;
        private long _now;
        private long _armedSenderTimer = long.MaxValue;
        private long _armedReceiverTimer = long.MaxValue;
        private int _probesPending;

        public Simulation(Random random, double dataLoss, double ackLoss, int jitter, bool cubic, int packetsToSend)
        {
            _jitter = jitter;
            _random = random;
            _dataLoss = dataLoss;
            _ackLoss = ackLoss;
            _packetsToSend = packetsToSend;
            Congestion = cubic
                ? new CubicCongestionController(_rtt, DatagramSize)
                : new NewRenoCongestionController(DatagramSize);
            Sender = new SentPacketTracker(_rtt, Congestion);
            _pacer = new Pacer(_rtt, Congestion);
        }

        public SentPacketTracker Sender { get; }

        public ICongestionController Congestion { get; }

        public int SentPackets { get; private set; }

        public int ProtocolViolations { get; private set; }

        public int Arrivals { get; private set; }

        public int ProbeTimeouts { get; private set; }

        public long Now => _now;

        public int DuplicatesRefused { get; private set; }

        public List<int> AckedCount { get; } = [];

        public List<int> LostCount { get; } = [];

        public HashSet<ulong> Delivered { get; } = [];

        public void Run(long maxTime)
        {
            TrySend();
            while (_events.TryDequeue(out Event e, out (long Time, long Sequence) key))
            {
                _now = key.Time;
                if (_now > maxTime)
                {
                    break;
                }

                switch (e.Kind)
                {
                    case EventKind.DataArrives:
                        OnDataArrives(e.PacketNumber);
                        break;
                    case EventKind.AckArrives:
                        OnAckArrives(e.Payload!);
                        break;
                    case EventKind.SenderTimer when _now == _armedSenderTimer:
                        _armedSenderTimer = long.MaxValue;
                        Sender.OnLossDetectionTimeout(_now, this);
                        TrySend();
                        break;
                    case EventKind.ReceiverTimer when _now == _armedReceiverTimer:
                        _armedReceiverTimer = long.MaxValue;
                        SendAck();
                        break;
                    default:
                        break; // a timer re-armed since
                }

                if (SentPackets >= _packetsToSend && Sender.OutstandingCount == 0)
                {
                    break;
                }
            }
        }

        public void OnPacketAcked(in SentPacket packet) => AckedCount[(int)packet.PacketNumber]++;

        public void OnPacketLost(in SentPacket packet) => LostCount[(int)packet.PacketNumber]++;

        public void OnProbeTimeout(int probeCount)
        {
            ProbeTimeouts++;
            _probesPending = probeCount;
        }

        private void TrySend()
        {
            while (_probesPending > 0)
            {
                _probesPending--;
                SendPacket(); // probes ignore the window and the pacer
            }

            while (SentPackets < _packetsToSend && !Sender.IsFull && Congestion.CanSend(DatagramSize))
            {
                if (!_pacer.CanSendNow(_now, DatagramSize))
                {
                    ArmSenderTimer(_pacer.NextSendTime(_now, DatagramSize));
                    break;
                }

                SendPacket();
            }

            // The application has nothing more to send once all packets are out.
            Congestion.IsApplicationLimited = SentPackets >= _packetsToSend;
            long lossTimer = Sender.LossDetectionTimer(_now);
            if (lossTimer != long.MaxValue)
            {
                ArmSenderTimer(lossTimer);
            }
        }

        private void SendPacket()
        {
            ulong pn = (ulong)SentPackets++;
            AckedCount.Add(0);
            LostCount.Add(0);
            Sender.OnPacketSent(new SentPacket
            {
                PacketNumber = pn,
                TimeSent = _now,
                Size = DatagramSize,
                AckEliciting = true,
                InFlight = true,
            });
            _pacer.OnPacketSent(_now, DatagramSize);

            if (_random.NextDouble() >= _dataLoss)
            {
                Schedule(_now + OneWayDelay + _random.Next(0, _jitter + 1), new Event(EventKind.DataArrives, pn, null));
                if (_random.NextDouble() < 0.02)
                {
                    Schedule(_now + OneWayDelay + _random.Next(0, (4 * _jitter) + 1), new Event(EventKind.DataArrives, pn, null));
                }
            }
        }

        private void OnDataArrives(ulong sentNumber)
        {
            Arrivals++;

            // The wire carries 32 bits; the receiver rebuilds the rest.
            ulong pn = _receiver.DecodePacketNumber((uint)sentNumber);
            Assert.Equal(sentNumber, pn);
            if (_receiver.IsDuplicate(pn))
            {
                DuplicatesRefused++;
                return;
            }

            Assert.True(Delivered.Add(pn), "a packet was delivered twice");
            _receiver.OnPacketReceived(pn, ackEliciting: true, _now);
            if (_receiver.AckRequiredNow)
            {
                SendAck();
            }
            else if (_receiver.AckDeadline != _armedReceiverTimer)
            {
                _armedReceiverTimer = _receiver.AckDeadline;
                Schedule(_armedReceiverTimer, new Event(EventKind.ReceiverTimer, 0, null));
            }
        }

        private void SendAck()
        {
            int written = _receiver.WriteAckFrame(_ackBuffer, _now);
            _receiver.OnAckSent();
            _armedReceiverTimer = long.MaxValue;
            if (written == 0 || _random.NextDouble() < _ackLoss)
            {
                return;
            }

            Schedule(_now + OneWayDelay + _random.Next(0, _jitter + 1), new Event(EventKind.AckArrives, 0, _ackBuffer[..written]));
        }

        private void OnAckArrives(byte[] frame)
        {
            Assert.Equal(AckFrame.Type, frame[0]);
            Assert.True(AckFrame.TryRead(frame.AsSpan(1), _decodedRanges, out int count, out long ackDelay, out _));
            AckOutcome outcome = Sender.OnAckReceived(_decodedRanges.AsSpan(0, count), ackDelay, _now, this);
            if (outcome.IsProtocolViolation)
            {
                ProtocolViolations++;
            }

            TrySend();
        }

        private void ArmSenderTimer(long time)
        {
            if (time < _armedSenderTimer || _armedSenderTimer <= _now)
            {
                _armedSenderTimer = time;
                Schedule(time, new Event(EventKind.SenderTimer, 0, null));
            }
        }

        private void Schedule(long time, Event e) => _events.Enqueue(e, (time, _sequence++));
    }

    private enum EventKind
    {
        DataArrives,
        AckArrives,
        SenderTimer,
        ReceiverTimer,
    }

    private readonly record struct Event(EventKind Kind, ulong PacketNumber, byte[]? Payload);
}
