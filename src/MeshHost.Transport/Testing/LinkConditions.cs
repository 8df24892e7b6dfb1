using MeshHost.Transport.Network;

namespace MeshHost.Transport.Testing;

/// <summary>
/// How one direction of an <see cref="InMemoryNetwork"/> link treats datagrams. The defaults are
/// a perfect link: no loss, no delay, unlimited bandwidth, a 1 MiB queue and a 65,507-byte MTU.
/// Every random choice comes from the network's seeded generator.
/// </summary>
/// <remarks>
/// A datagram's fate on a link, in order: larger than <see cref="Mtu"/> is rejected
/// (<see cref="DatagramSendResult.TooLarge"/>); a partitioned link or <see cref="LossRate"/> drops
/// it; the queue (<see cref="QueueLimitBytes"/>) may drop it; otherwise it arrives after
/// serialization (<see cref="BandwidthBytesPerSecond"/>) + <see cref="Latency"/> + a uniform
/// random [0, <see cref="Jitter"/>) + <see cref="ReorderDelay"/> if chosen for reordering; and
/// <see cref="DuplicateRate"/> may send a second, independently delayed copy. Immutable, so one
/// instance can be shared by many links. The init accessors throw
/// <see cref="ArgumentOutOfRangeException"/> for values outside the documented ranges.
/// </remarks>
public sealed record LinkConditions
{
    /// <summary>The default <see cref="QueueLimitBytes"/>: 1 MiB.</summary>
    public const int DefaultQueueLimitBytes = 1024 * 1024;

    /// <summary>A perfect link (all defaults).</summary>
    public static LinkConditions Perfect { get; } = new();

    /// <summary>Probability, 0 to 1, that a datagram is lost. Default 0.</summary>
    public double LossRate { get; init => field = Probability(value); }

    /// <summary>Probability, 0 to 1, that a datagram is delivered twice. Default 0.</summary>
    public double DuplicateRate { get; init => field = Probability(value); }

    /// <summary>
    /// Probability, 0 to 1, that a datagram is held back an extra <see cref="ReorderDelay"/> so
    /// that later ones overtake it. Default 0. Has no effect while <see cref="ReorderDelay"/> is zero.
    /// </summary>
    public double ReorderRate { get; init => field = Probability(value); }

    /// <summary>The extra delay of a datagram chosen for reordering; zero or more. Default zero.</summary>
    public TimeSpan ReorderDelay { get; init => field = NonNegative(value); }

    /// <summary>One-way propagation delay; zero or more. Default zero.</summary>
    public TimeSpan Latency { get; init => field = NonNegative(value); }

    /// <summary>The upper bound of an extra delay drawn uniformly from [0, Jitter) per datagram; zero or more. Default zero. Jitter larger than the gap between datagrams reorders them.</summary>
    public TimeSpan Jitter { get; init => field = NonNegative(value); }

    /// <summary>
    /// Bytes per second the link serializes (payload bytes; headers are not modelled), 0 for
    /// unlimited. Datagrams wait in a first-in first-out queue while the link is busy. Default 0.
    /// </summary>
    public long BandwidthBytesPerSecond { get; init => field = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "The bandwidth must be zero (unlimited) or more."); }

    /// <summary>
    /// Drop-tail limit in bytes, at least 1. With a bandwidth limit it bounds the bytes waiting for
    /// serialization (a bottleneck router's queue); without one there is no such wait, and it bounds
    /// the bytes in flight on the link instead, so memory stays bounded either way. Default
    /// <see cref="DefaultQueueLimitBytes"/>.
    /// </summary>
    public int QueueLimitBytes { get; init => field = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "The queue limit must be at least 1 byte."); } = DefaultQueueLimitBytes;

    /// <summary>
    /// The largest datagram in bytes the link carries, 1 to 65,507; larger ones are rejected with
    /// <see cref="DatagramSendResult.TooLarge"/>. Default 65,507, the UDP over IPv4 maximum.
    /// </summary>
    public int Mtu { get; init => field = value is >= 1 and <= UdpDatagramSocket.MaxIPv4DatagramSize ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "The MTU must be 1 to 65,507 bytes."); } = UdpDatagramSocket.MaxIPv4DatagramSize;

    private static double Probability(double value) =>
        value is >= 0.0 and <= 1.0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "A rate must be between 0 and 1.");

    private static TimeSpan NonNegative(TimeSpan value) =>
        value >= TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "A delay must be zero or more.");
}
