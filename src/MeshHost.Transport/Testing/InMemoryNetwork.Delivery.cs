using System.Buffers;
using System.Net;
using System.Net.Sockets;
using MeshHost.Transport.Network;

namespace MeshHost.Transport.Testing;

/// <summary>Sending, the link emulation and the delivery timer.</summary>
public sealed partial class InMemoryNetwork
{
    private readonly ITimer _timer;
    private readonly bool _roundUpToMilliseconds;
    private readonly Lock _deliveryLock = new();
    private readonly PriorityQueue<PendingDelivery, (long Due, long Sequence)> _pending = new();

    // Handed to receivers as the source; reused, so only touched under _deliveryLock.
    private readonly SocketAddress _sourceIPv4 = new(AddressFamily.InterNetwork);
    private readonly SocketAddress _sourceIPv6 = new(AddressFamily.InterNetworkV6);

    private long _nextSequence;
    private long _armedFor = long.MaxValue;
    private InMemoryNetworkStatistics _statistics;

    internal DatagramSendResult Send(InMemoryDatagramSocket sender, ReadOnlySpan<byte> datagram, SocketAddress destination)
    {
        if (!EndPointKey.TryCreate(destination, out EndPointKey to))
        {
            return DatagramSendResult.Dropped;
        }

        lock (_sync)
        {
            EndPointKey from = sender.Key;
            if (sender.Nat is { } own && own.IsPublicAddress(to))
            {
                // No hairpinning: like most home routers (and Linux masquerade without extra rules).
                _statistics = _statistics with { DatagramsSent = _statistics.DatagramsSent + 1, DroppedByNat = _statistics.DroppedByNat + 1 };
                return DatagramSendResult.Sent;
            }

            if (_sockets.TryGetValue(to, out InMemoryDatagramSocket? inside) && inside.Nat is not null && inside.Nat != sender.Nat)
            {
                // A private address behind another NAT: not routable from here.
                _statistics = _statistics with { DatagramsSent = _statistics.DatagramsSent + 1, DroppedByNat = _statistics.DroppedByNat + 1 };
                return DatagramSendResult.Sent;
            }

            if (sender.Nat is { } nat && !(inside is not null && inside.Nat == nat))
            {
                // Leaving the private network: the NAT maps the source (and creates the mapping now).
                from = nat.Outbound(from, to, Now());
            }

            LinkState link = GetLink(from, to);
            LinkConditions conditions = link.Conditions ?? DefaultConditions;
            if (datagram.Length > conditions.Mtu)
            {
                _statistics = _statistics with { RejectedTooLarge = _statistics.RejectedTooLarge + 1 };
                return DatagramSendResult.TooLarge;
            }

            _statistics = _statistics with { DatagramsSent = _statistics.DatagramsSent + 1 };
            if (link.Partitioned)
            {
                _statistics = _statistics with { DroppedByPartition = _statistics.DroppedByPartition + 1 };
                return DatagramSendResult.Sent;
            }

            if (Chance(conditions.LossRate))
            {
                _statistics = _statistics with { DroppedByLoss = _statistics.DroppedByLoss + 1 };
                return DatagramSendResult.Sent;
            }

            long now = Now();
            Schedule(link, conditions, from, to, datagram, now);
            if (Chance(conditions.DuplicateRate))
            {
                _statistics = _statistics with { Duplicated = _statistics.Duplicated + 1 };
                Schedule(link, conditions, from, to, datagram, now);
            }

            return DatagramSendResult.Sent;
        }
    }

    /// <summary>Network time in <see cref="TimeSpan"/> ticks since the network was created.</summary>
    private long Now() => _time.GetElapsedTime(_epoch).Ticks;

    private bool Chance(double rate) => rate > 0 && _random.NextDouble() < rate;

    private void Schedule(LinkState link, LinkConditions conditions, EndPointKey from, EndPointKey to, ReadOnlySpan<byte> datagram, long now)
    {
        long departure = now;
        long bandwidth = conditions.BandwidthBytesPerSecond;
        if (bandwidth > 0)
        {
            long start = Math.Max(now, link.SerializerFreeAt);
            long backlogBytes = (long)((Int128)(start - now) * bandwidth / TimeSpan.TicksPerSecond);
            if (backlogBytes + datagram.Length > conditions.QueueLimitBytes)
            {
                _statistics = _statistics with { DroppedByQueueLimit = _statistics.DroppedByQueueLimit + 1 };
                return;
            }

            departure = start + (long)(((Int128)datagram.Length * TimeSpan.TicksPerSecond + bandwidth - 1) / bandwidth);
            link.SerializerFreeAt = departure;
        }
        else if (link.HeldBytes + datagram.Length > conditions.QueueLimitBytes)
        {
            _statistics = _statistics with { DroppedByQueueLimit = _statistics.DroppedByQueueLimit + 1 };
            return;
        }

        long due = departure + conditions.Latency.Ticks;
        if (conditions.Jitter > TimeSpan.Zero)
        {
            due += (long)(_random.NextDouble() * conditions.Jitter.Ticks);
        }

        if (conditions.ReorderDelay > TimeSpan.Zero && Chance(conditions.ReorderRate))
        {
            due += conditions.ReorderDelay.Ticks;
            _statistics = _statistics with { Reordered = _statistics.Reordered + 1 };
        }

        byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Max(datagram.Length, 1));
        datagram.CopyTo(buffer);
        link.HeldBytes += datagram.Length;
        _pending.Enqueue(new PendingDelivery(buffer, datagram.Length, from, to, link), (due, _nextSequence++));
        if (due < _armedFor)
        {
            Arm(due, now);
        }
    }

    /// <summary>Points the single timer at <paramref name="due"/>; under <see cref="_sync"/>.</summary>
    private void Arm(long due, long now)
    {
        _armedFor = due;
        long delay = Math.Max(due - now, 0);
        if (_roundUpToMilliseconds)
        {
            // The system timer truncates to whole milliseconds; firing early would only re-arm, busily.
            delay = (delay + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond * TimeSpan.TicksPerMillisecond;
        }

        _timer.Change(TimeSpan.FromTicks(delay), Timeout.InfiniteTimeSpan);
    }

    /// <summary>The timer callback: delivers everything due, then re-arms for the next.</summary>
    private void DeliverDue()
    {
        lock (_deliveryLock)
        {
            while (TryTakeDue(out PendingDelivery delivery, out InMemoryDatagramSocket? target, out IDatagramReceiver? receiver))
            {
                if (receiver is not null)
                {
                    SocketAddress source = delivery.Source.IsIPv6 ? _sourceIPv6 : _sourceIPv4;
                    delivery.Source.WriteTo(source);
                    Deliver(target!, receiver, delivery.Buffer.AsSpan(0, delivery.Length), source);
                }

                ArrayPool<byte>.Shared.Return(delivery.Buffer);
            }
        }
    }

    private bool TryTakeDue(out PendingDelivery delivery, out InMemoryDatagramSocket? target, out IDatagramReceiver? receiver)
    {
        target = null;
        receiver = null;
        lock (_sync)
        {
            long now = Now();
            if (!_pending.TryPeek(out delivery, out (long Due, long Sequence) next) || next.Due > now)
            {
                if (_pending.Count == 0)
                {
                    _armedFor = long.MaxValue;
                    _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                }
                else
                {
                    Arm(next.Due, now);
                }

                return false;
            }

            _pending.Dequeue();
            delivery.Link.HeldBytes -= delivery.Length;
            if (delivery.Link.Partitioned)
            {
                _statistics = _statistics with { DroppedByPartition = _statistics.DroppedByPartition + 1 };
            }
            else if (FindNat(delivery.Destination) is { } nat)
            {
                // Arriving at a NAT's public address: filtered against the mappings as they are now.
                if (nat.TryInbound(delivery.Source, delivery.Destination, now, out EndPointKey inside)
                    && _sockets.TryGetValue(inside, out target) && (receiver = target.Receiver) is not null)
                {
                    _statistics = _statistics with { DatagramsDelivered = _statistics.DatagramsDelivered + 1 };
                }
                else
                {
                    target = null;
                    receiver = null;
                    _statistics = _statistics with { DroppedByNat = _statistics.DroppedByNat + 1 };
                }
            }
            else if (_sockets.TryGetValue(delivery.Destination, out target) && (receiver = target.Receiver) is not null)
            {
                _statistics = _statistics with { DatagramsDelivered = _statistics.DatagramsDelivered + 1 };
            }
            else
            {
                _statistics = _statistics with { DroppedNoReceiver = _statistics.DroppedNoReceiver + 1 };
            }

            return true;
        }
    }

    private void Deliver(InMemoryDatagramSocket target, IDatagramReceiver receiver, ReadOnlySpan<byte> datagram, SocketAddress source)
    {
        target.Counters.OnReceived(datagram.Length);
        try
        {
            receiver.OnDatagram(datagram, source);
        }
#pragma warning disable CA1031 // A faulty receiver must not stop delivery to every other socket.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            InMemoryNetworkLog.ReceiverFault(_logger, target.LocalEndPoint, target.Counters.OnReceiverFault(), exception);
        }
    }

    /// <summary>A datagram on its way: a pooled copy of the payload and where it goes.</summary>
    private readonly record struct PendingDelivery(byte[] Buffer, int Length, EndPointKey Source, EndPointKey Destination, LinkState Link);

    private InMemoryNat? FindNat(EndPointKey destination)
    {
        // Under _sync. Few NATs per network: a list is faster than a map here.
        foreach (InMemoryNat nat in _nats)
        {
            if (nat.IsPublicAddress(destination))
            {
                return nat;
            }
        }

        return null;
    }
}
