namespace MeshHost.Transport.Recovery;

/// <summary>
/// The session's side of loss recovery. Called synchronously from <see cref="SentPacketTracker"/>
/// under the session's lock; an implementation must not call back into the tracker (it may queue
/// frames for retransmission and send afterwards).
/// </summary>
internal interface IRecoveryHandler
{
    /// <summary>A packet was acknowledged for the first time; called in increasing packet number order.</summary>
    void OnPacketAcked(in SentPacket packet);

    /// <summary>A packet was declared lost; it will not be reported again, even if acknowledged later.</summary>
    void OnPacketLost(in SentPacket packet);

    /// <summary>
    /// The probe timeout expired: send <paramref name="probeCount"/> ack-eliciting packets (new or
    /// retransmitted data, else a PING), even if the congestion window or the pacer would not allow them.
    /// </summary>
    void OnProbeTimeout(int probeCount);
}
