namespace MeshHost.Transport.Lanes;

/// <summary>
/// Which messages of a reliable unordered lane were delivered ahead of the oldest undelivered one:
/// a circular bitmap indexed relative to that message, grown on demand up to
/// <see cref="ReceiveLane.MaxMessagesInFlight"/> bits.
/// </summary>
internal struct DeliveredSet
{
    private ulong[]? _words;
    private int _base; // bit index of relative position 0

    private readonly int Capacity => _words is null ? 0 : _words.Length * 64;

    public readonly bool Contains(ulong relative)
    {
        if (relative >= (ulong)Capacity)
        {
            return false;
        }

        int bit = (int)(((ulong)_base + relative) & (ulong)(Capacity - 1));
        return (_words![bit >> 6] & (1UL << (bit & 63))) != 0;
    }

    public void Add(ulong relative)
    {
        if (relative >= (ulong)Capacity)
        {
            Grow((int)relative + 1);
        }

        int bit = (int)(((ulong)_base + relative) & (ulong)(Capacity - 1));
        _words![bit >> 6] |= 1UL << (bit & 63);
    }

    /// <summary>How many positions from 0 on are delivered without a gap.</summary>
    public readonly int CountLeadingDelivered()
    {
        int count = 0;
        while (count < Capacity && Contains((ulong)count))
        {
            count++;
        }

        return count;
    }

    /// <summary>Moves position 0 forward by <paramref name="count"/>, forgetting the positions passed.</summary>
    public void Shift(int count)
    {
        for (int i = 0; i < count; i++)
        {
            int bit = (_base + i) & (Capacity - 1);
            _words![bit >> 6] &= ~(1UL << (bit & 63));
        }

        _base = (_base + count) & (Capacity - 1);
    }

    private void Grow(int needed)
    {
        int capacity = Math.Max(Capacity, 64);
        while (capacity < needed)
        {
            capacity *= 2;
        }

        var words = new ulong[capacity / 64];
        for (int i = 0; i < Capacity; i++)
        {
            if (Contains((ulong)i))
            {
                words[i >> 6] |= 1UL << (i & 63);
            }
        }

        _words = words;
        _base = 0;
    }
}
