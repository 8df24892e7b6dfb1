namespace MeshHost.Transport.Recovery;

/// <summary>
/// A window-based congestion controller counting bytes (RFC 9002 §7). Times are microseconds from
/// <see cref="MonotonicClock"/>. <see cref="SentPacketTracker"/> reports sends, acknowledgements,
/// losses and congestion events of in-flight packets; the session asks <see cref="CanSend"/> before
/// building a packet and maintains <see cref="IsApplicationLimited"/>.
/// </summary>
internal interface ICongestionController
{
    int MaxDatagramSize { get; }

    long CongestionWindow { get; }

    long BytesInFlight { get; }

    /// <summary>Bytes that may still be sent: the window minus bytes in flight, never negative.</summary>
    long AvailableWindow { get; }

    /// <summary>
    /// Set by the session while it has less to send than the window allows; the window does not
    /// grow from acknowledgements meanwhile (RFC 9002 §7.8), since they say nothing about capacity.
    /// </summary>
    bool IsApplicationLimited { get; set; }

    /// <summary>
    /// Whether a packet of <paramref name="bytes"/> fits in the window. Probes sent on a PTO may be
    /// sent regardless (RFC 9002 §7.5).
    /// </summary>
    bool CanSend(int bytes);

    void OnPacketSent(long now, int bytes);

    void OnPacketAcked(long sentTime, int bytes, long now);

    /// <summary>Removes a lost packet's bytes from flight; the window reacts in <see cref="OnCongestionEvent"/>.</summary>
    void OnPacketLost(int bytes);

    /// <summary>Reacts to loss once per recovery period: nothing happens for losses of packets sent before the current period began.</summary>
    void OnCongestionEvent(long sentTimeOfLargestLost, long now);

    /// <summary>Collapses the window to its minimum (RFC 9002 §7.6.2).</summary>
    void OnPersistentCongestion();

    /// <summary>Removes a packet's bytes from flight without any congestion signal (a lost path MTU probe, for instance).</summary>
    void OnPacketDiscarded(int bytes);

    /// <summary>Changes the datagram size the window is counted in (path MTU discovery).</summary>
    void SetMaxDatagramSize(int maxDatagramSize);
}
