namespace MeshHost.Transport.Recovery;

internal enum AckStatus
{
    Ok,

    /// <summary>Ranges empty, overlapping, out of order or with smallest above largest.</summary>
    InvalidRanges,

    /// <summary>The frame acknowledges a packet number that was never sent: a protocol violation (RFC 9000 §13.1).</summary>
    AcknowledgesUnsentPacket,
}

/// <summary>What one ACK frame did. A status other than <see cref="AckStatus.Ok"/> leaves the tracker unchanged.</summary>
internal readonly record struct AckOutcome(AckStatus Status, int NewlyAcked, int Lost, bool RttSampled, bool PersistentCongestion)
{
    public bool IsProtocolViolation => Status != AckStatus.Ok;
}
