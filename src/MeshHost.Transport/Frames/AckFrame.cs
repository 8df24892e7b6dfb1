namespace MeshHost.Transport.Frames;

/// <summary>An inclusive range of acknowledged packet numbers, <c>Smallest..Largest</c>.</summary>
internal readonly record struct AckRange(ulong Smallest, ulong Largest);

/// <summary>
/// The ACK frame (type 0x02, RFC 9000 §19.3 without ECN counts): largest acknowledged, ack delay in
/// microseconds, range count, first range, then (gap, range length) pairs, all varints, ranges
/// newest first.
/// </summary>
internal static class AckFrame
{
    public const byte Type = 0x02;

    /// <summary>The most ranges this side writes in one frame (docs/transport.md).</summary>
    public const int MaxRangesWritten = 32;

    /// <summary>
    /// Parses an ACK frame after its type byte. Ranges go to <paramref name="rangesOut"/> newest
    /// first; ranges beyond its length are read and validated but not returned. Returns false,
    /// without throwing, when the input is truncated or describes a packet number below zero.
    /// </summary>
    public static bool TryRead(
        ReadOnlySpan<byte> payloadAfterTypeByte,
        Span<AckRange> rangesOut,
        out int rangeCount,
        out long ackDelay,
        out int bytesRead)
    {
        rangeCount = 0;
        ackDelay = 0;
        bytesRead = 0;
        ReadOnlySpan<byte> source = payloadAfterTypeByte;
        int offset = 0;

        if (!VarInt.TryRead(source, out ulong largest, out int n))
        {
            return false;
        }

        offset += n;
        if (!VarInt.TryRead(source[offset..], out ulong delay, out n))
        {
            return false;
        }

        offset += n;
        if (!VarInt.TryRead(source[offset..], out ulong additionalRanges, out n))
        {
            return false;
        }

        offset += n;
        if (!VarInt.TryRead(source[offset..], out ulong firstRange, out n))
        {
            return false;
        }

        offset += n;
        if (firstRange > largest)
        {
            return false;
        }

        // Every additional range takes at least two bytes: reject an absurd count before looping.
        if (additionalRanges > (ulong)(source.Length - offset) / 2)
        {
            return false;
        }

        ulong smallest = largest - firstRange;
        int stored = 0;
        if (!rangesOut.IsEmpty)
        {
            rangesOut[stored++] = new AckRange(smallest, largest);
        }

        for (ulong i = 0; i < additionalRanges; i++)
        {
            if (!VarInt.TryRead(source[offset..], out ulong gap, out n))
            {
                return false;
            }

            offset += n;
            if (!VarInt.TryRead(source[offset..], out ulong length, out n))
            {
                return false;
            }

            offset += n;

            // largest_i = previous smallest - gap - 2, smallest_i = largest_i - length; all must stay >= 0.
            if (smallest < 2 || gap > smallest - 2)
            {
                return false;
            }

            ulong rangeLargest = smallest - gap - 2;
            if (length > rangeLargest)
            {
                return false;
            }

            smallest = rangeLargest - length;
            if (stored < rangesOut.Length)
            {
                rangesOut[stored++] = new AckRange(smallest, rangeLargest);
            }
        }

        rangeCount = stored;
        ackDelay = (long)delay;
        bytesRead = offset;
        return true;
    }

    /// <summary>
    /// Writes an ACK frame, type byte included, for <paramref name="rangesDescending"/> (newest
    /// first, disjoint and non-adjacent, at least one). Writes as many ranges as fit in
    /// <paramref name="destination"/> (oldest ones are left out) and returns the bytes written, or 0
    /// when not even the first range fits. A negative ack delay is written as 0.
    /// </summary>
    public static int Write(Span<byte> destination, ReadOnlySpan<AckRange> rangesDescending, long ackDelay)
    {
        if (rangesDescending.IsEmpty)
        {
            throw new ArgumentException("An ACK frame acknowledges at least one range.", nameof(rangesDescending));
        }

        ulong delay = ackDelay <= 0 ? 0 : Math.Min((ulong)ackDelay, VarInt.MaxValue);
        int count = CountRangesThatFit(destination.Length, rangesDescending, delay);
        if (count == 0)
        {
            return 0;
        }

        AckRange first = rangesDescending[0];
        int offset = 0;
        destination[offset++] = Type;
        offset += VarInt.Write(destination[offset..], first.Largest);
        offset += VarInt.Write(destination[offset..], delay);
        offset += VarInt.Write(destination[offset..], (ulong)(count - 1));
        offset += VarInt.Write(destination[offset..], first.Largest - first.Smallest);
        ulong previousSmallest = first.Smallest;
        for (int i = 1; i < count; i++)
        {
            AckRange range = rangesDescending[i];
            offset += VarInt.Write(destination[offset..], previousSmallest - range.Largest - 2);
            offset += VarInt.Write(destination[offset..], range.Largest - range.Smallest);
            previousSmallest = range.Smallest;
        }

        return offset;
    }

    /// <summary>The size, type byte included, of the frame <see cref="Write"/> produces with room for every range.</summary>
    public static int GetEncodedLength(ReadOnlySpan<AckRange> rangesDescending, long ackDelay)
    {
        ulong delay = ackDelay <= 0 ? 0 : Math.Min((ulong)ackDelay, VarInt.MaxValue);
        return HeaderLength(rangesDescending, delay, rangesDescending.Length - 1) + AdditionalRangesLength(rangesDescending, rangesDescending.Length);
    }

    private static int CountRangesThatFit(int room, ReadOnlySpan<AckRange> ranges, ulong delay)
    {
        // The count varint's size depends on the count; try the largest count first, then fewer.
        int count = ranges.Length;
        int rangesLength = AdditionalRangesLength(ranges, count);
        while (count > 0)
        {
            if (HeaderLength(ranges, delay, count - 1) + rangesLength <= room)
            {
                return count;
            }

            count--;
            if (count > 0)
            {
                rangesLength -= PairLength(ranges, count);
            }
        }

        return 0;
    }

    private static int HeaderLength(ReadOnlySpan<AckRange> ranges, ulong delay, int additionalRanges)
    {
        AckRange first = ranges[0];
        return 1 + VarInt.SizeOf(first.Largest) + VarInt.SizeOf(delay) + VarInt.SizeOf((ulong)additionalRanges)
            + VarInt.SizeOf(first.Largest - first.Smallest);
    }

    private static int AdditionalRangesLength(ReadOnlySpan<AckRange> ranges, int count)
    {
        int length = 0;
        for (int i = 1; i < count; i++)
        {
            length += PairLength(ranges, i);
        }

        return length;
    }

    private static int PairLength(ReadOnlySpan<AckRange> ranges, int index) =>
        VarInt.SizeOf(ranges[index - 1].Smallest - ranges[index].Largest - 2) + VarInt.SizeOf(ranges[index].Largest - ranges[index].Smallest);
}
