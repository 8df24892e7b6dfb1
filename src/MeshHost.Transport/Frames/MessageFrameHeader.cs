namespace MeshHost.Transport.Frames;

/// <summary>
/// The header of a MESSAGE frame: <c>type | channel u8 | sequence varint | [total length varint |
/// fragment offset varint] | length varint</c>, followed by <see cref="Length"/> bytes of data.
/// </summary>
internal struct MessageFrameHeader
{
    public DeliveryMethod Method;
    public byte Channel;
    public ulong Sequence;
    public bool IsFragment;

    /// <summary>The whole message's length; equals <see cref="Length"/> when not fragmented.</summary>
    public int TotalLength;
    public int FragmentOffset;
    public int Length;

    /// <summary>The largest header: type, channel, and four 8-byte varints.</summary>
    public const int MaxSize = 2 + (4 * 8);

    public readonly int Size =>
        2 + VarInt.SizeOf(Sequence) + VarInt.SizeOf((ulong)Length)
        + (IsFragment ? VarInt.SizeOf((ulong)TotalLength) + VarInt.SizeOf((ulong)FragmentOffset) : 0);

    public readonly int Write(Span<byte> destination)
    {
        destination[0] = (byte)(FrameType.MessageBase | (byte)Method | (IsFragment ? FrameType.FragmentFlag : 0));
        destination[1] = Channel;
        int written = 2;
        written += VarInt.Write(destination.Slice(written), Sequence);
        if (IsFragment)
        {
            written += VarInt.Write(destination.Slice(written), (ulong)TotalLength);
            written += VarInt.Write(destination.Slice(written), (ulong)FragmentOffset);
        }

        written += VarInt.Write(destination.Slice(written), (ulong)Length);
        return written;
    }

    /// <summary>
    /// Parses a header whose type byte is <paramref name="source"/>[0]. False when it is truncated,
    /// names an unknown method, or its lengths are inconsistent or above <paramref name="maxMessageSize"/>;
    /// on success the data (checked to be present) follows at <paramref name="headerSize"/>.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> source, int maxMessageSize, out MessageFrameHeader header, out int headerSize)
    {
        header = default;
        headerSize = 0;
        if (source.Length < 2)
        {
            return false;
        }

        byte type = source[0];
        int method = type & 0x07;
        if (method > (int)DeliveryMethod.ReliableSequenced)
        {
            return false;
        }

        header.Method = (DeliveryMethod)method;
        header.IsFragment = (type & FrameType.FragmentFlag) != 0;
        header.Channel = source[1];
        int position = 2;
        if (!VarInt.TryRead(source.Slice(position), out header.Sequence, out int read))
        {
            return false;
        }

        position += read;
        ulong total = 0;
        ulong offset = 0;
        if (header.IsFragment)
        {
            if (!VarInt.TryRead(source.Slice(position), out total, out read))
            {
                return false;
            }

            position += read;
            if (!VarInt.TryRead(source.Slice(position), out offset, out read))
            {
                return false;
            }

            position += read;
        }

        if (!VarInt.TryRead(source.Slice(position), out ulong length, out read))
        {
            return false;
        }

        position += read;
        if (!header.IsFragment)
        {
            total = length;
        }

        if (total > (ulong)maxMessageSize || length > total || offset > total - length
            || length > (ulong)(source.Length - position))
        {
            return false;
        }

        header.TotalLength = (int)total;
        header.FragmentOffset = (int)offset;
        header.Length = (int)length;
        headerSize = position;
        return true;
    }
}
