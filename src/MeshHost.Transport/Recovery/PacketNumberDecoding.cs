namespace MeshHost.Transport.Recovery;

/// <summary>
/// Rebuilds a full packet number from its truncated form on the wire (RFC 9000 Appendix A.3): the
/// candidate closest to the next expected number wins.
/// </summary>
internal static class PacketNumberDecoding
{
    private const ulong MaxPacketNumber = (1UL << 62) - 1;

    /// <summary>
    /// Decodes a packet number sent as its low 32 bits (docs/transport.md, Data packets), given the
    /// largest packet number received so far. Pass <see cref="ulong.MaxValue"/> when nothing has
    /// been received yet: the expected number then wraps to 0, as the RFC's "largest = -1" intends.
    /// </summary>
    public static ulong DecodePacketNumber(ulong largestReceived, uint truncated32) =>
        Decode(unchecked(largestReceived + 1), truncated32, 32);

    /// <summary>
    /// The general form: <paramref name="expected"/> is the largest received plus one,
    /// <paramref name="truncated"/> holds the low <paramref name="bits"/> bits (1..62).
    /// </summary>
    public static ulong Decode(ulong expected, ulong truncated, int bits)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bits, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bits, 62);
        ulong window = 1UL << bits;
        ulong halfWindow = window / 2;
        ulong mask = window - 1;
        ulong candidate = (expected & ~mask) | (truncated & mask);

        // The RFC's pseudocode is signed; each comparison is guarded so no unsigned value wraps.
        if (expected >= halfWindow && candidate <= expected - halfWindow && candidate < MaxPacketNumber + 1 - window)
        {
            return candidate + window;
        }

        if (candidate > expected + halfWindow && candidate >= window)
        {
            return candidate - window;
        }

        return candidate;
    }
}
