namespace MeshHost.Transport.Recovery;

/// <summary>
/// What the loss detector remembers about one sent packet. <see cref="RecordStart"/> and
/// <see cref="RecordCount"/> point into the session's store of retransmittable frame records;
/// the tracker hands them back on acknowledgement or loss without interpreting them.
/// </summary>
internal readonly struct SentPacket
{
    public ulong PacketNumber { get; init; }

    /// <summary>Microseconds (<see cref="MonotonicClock"/>).</summary>
    public long TimeSent { get; init; }

    /// <summary>Bytes counted against the congestion window (the UDP payload).</summary>
    public int Size { get; init; }

    public bool AckEliciting { get; init; }

    /// <summary>Counted in bytes in flight: ack-eliciting or carrying padding (RFC 9002 §2).</summary>
    public bool InFlight { get; init; }

    /// <summary>
    /// A path MTU probe: its loss says nothing about congestion (RFC 9000 §14.4), so it leaves the
    /// window and persistent congestion alone.
    /// </summary>
    public bool IsPathMtuProbe { get; init; }

    public long RecordStart { get; init; }

    public int RecordCount { get; init; }
}
