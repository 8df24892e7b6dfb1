namespace MeshHost.Transport;

/// <summary>A snapshot of one session's counters and path estimates.</summary>
public readonly record struct SessionStatistics
{
    /// <summary>Smoothed round-trip time (RFC 9002), or the initial estimate before a sample.</summary>
    public TimeSpan SmoothedRtt { get; init; }

    /// <summary>The smallest round-trip time seen.</summary>
    public TimeSpan MinRtt { get; init; }

    /// <summary>The congestion window in bytes.</summary>
    public long CongestionWindow { get; init; }

    /// <summary>Bytes sent and not yet acknowledged or declared lost.</summary>
    public long BytesInFlight { get; init; }

    /// <summary>The current packet size limit (path MTU) in bytes of UDP payload.</summary>
    public int DatagramSize { get; init; }

    /// <summary>Datagrams sent.</summary>
    public long PacketsSent { get; init; }

    /// <summary>Datagrams received and accepted.</summary>
    public long PacketsReceived { get; init; }

    /// <summary>Bytes sent (UDP payload).</summary>
    public long BytesSent { get; init; }

    /// <summary>Bytes received (UDP payload).</summary>
    public long BytesReceived { get; init; }

    /// <summary>Packets declared lost.</summary>
    public long PacketsLost { get; init; }

    /// <summary>Reliable ranges sent again after a loss.</summary>
    public long Retransmissions { get; init; }

    /// <summary>Messages delivered to the application.</summary>
    public long MessagesReceived { get; init; }

    /// <summary>Messages queued by the application.</summary>
    public long MessagesSent { get; init; }

    /// <summary>Packets dropped as replays or duplicates.</summary>
    public long DuplicatePackets { get; init; }

    /// <summary>Packets that failed authentication (tampered or misrouted).</summary>
    public long AuthenticationFailures { get; init; }

    /// <summary>Frames dropped as stale, duplicate or over a bound.</summary>
    public long DroppedFrames { get; init; }
}
