using System.Diagnostics;

namespace MeshHost.Transport.Recovery;

/// <summary>
/// A sorted set of disjoint, non-adjacent half-open intervals of <see cref="ulong"/> (packet
/// numbers, byte offsets): adding an interval merges it with every interval it overlaps or touches.
/// The number of intervals is bounded, so a peer that sends every other packet cannot make it grow
/// without limit; what to give up when the bound is reached is the caller's decision (see
/// <see cref="Add(ulong, ulong)"/>). Storage grows by doubling up to the bound and is then reused.
/// Not thread-safe.
/// </summary>
internal sealed class RangeSet
{
    private Interval[] _intervals;
    private int _count;

    /// <param name="maxIntervals">The most disjoint intervals the set holds (at least 1).</param>
    /// <param name="initialCapacity">Intervals allocated up front; more are allocated, up to <paramref name="maxIntervals"/>, as needed.</param>
    public RangeSet(int maxIntervals, int initialCapacity = 8)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxIntervals, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(initialCapacity, 1);
        MaxIntervals = maxIntervals;
        _intervals = new Interval[Math.Min(initialCapacity, maxIntervals)];
    }

    /// <summary>The bound on <see cref="Count"/>.</summary>
    public int MaxIntervals { get; }

    /// <summary>The number of disjoint intervals.</summary>
    public int Count => _count;

    public bool IsEmpty => _count == 0;

    /// <summary>The interval at <paramref name="index"/>, in increasing order (0 is the lowest).</summary>
    public Interval this[int index]
    {
        get
        {
            if ((uint)index >= (uint)_count)
            {
                ThrowIndex(index);
            }

            return _intervals[index];
        }
    }

    /// <summary>The smallest number in the set; the set must not be empty.</summary>
    public ulong Min => this[0].Start;

    /// <summary>The largest number in the set (inclusive); the set must not be empty.</summary>
    public ulong Max => this[_count - 1].End - 1;

    /// <summary>
    /// Adds <c>[start, endExclusive)</c>. Returns false, leaving the set unchanged, when the
    /// interval touches none of the existing ones and the set already holds
    /// <see cref="MaxIntervals"/> intervals; the caller can then drop old intervals
    /// (<see cref="RemoveBelow"/>, <see cref="RemoveFirst"/>) and add again. An empty interval is
    /// accepted and changes nothing.
    /// </summary>
    public bool Add(ulong start, ulong endExclusive) => Add(start, endExclusive, out _);

    /// <summary>As <see cref="Add(ulong, ulong)"/>, also giving how many numbers were not in the set before.</summary>
    public bool Add(ulong start, ulong endExclusive, out ulong newlyAdded)
    {
        newlyAdded = 0;
        if (start >= endExclusive)
        {
            return true;
        }

        // first: the first interval that ends at or after start (it may merge on its right side).
        int first = FirstEndingAtOrAfter(start);
        // last: the last interval that starts at or before endExclusive (it may merge on its left side).
        int last = LastStartingAtOrBefore(endExclusive);

        if (first > last)
        {
            // Touches nothing: a new interval at position `first`.
            if (_count == MaxIntervals)
            {
                return false;
            }

            EnsureRoom();
            Array.Copy(_intervals, first, _intervals, first + 1, _count - first);
            _intervals[first] = new Interval(start, endExclusive);
            _count++;
            newlyAdded = endExclusive - start;
            return true;
        }

        ulong mergedStart = Math.Min(start, _intervals[first].Start);
        ulong mergedEnd = Math.Max(endExclusive, _intervals[last].End);
        ulong alreadyIn = 0;
        for (int i = first; i <= last; i++)
        {
            alreadyIn += _intervals[i].Length;
        }

        newlyAdded = mergedEnd - mergedStart - alreadyIn;
        _intervals[first] = new Interval(mergedStart, mergedEnd);
        int removed = last - first;
        if (removed > 0)
        {
            Array.Copy(_intervals, last + 1, _intervals, first + 1, _count - last - 1);
            _count -= removed;
        }

        return true;
    }

    /// <summary>Adds the single number <paramref name="value"/> (which must be below <see cref="ulong.MaxValue"/>).</summary>
    public bool Add(ulong value) => Add(value, value + 1);

    public bool Contains(ulong value)
    {
        int index = FirstEndingAtOrAfter(value);
        // FirstEndingAtOrAfter finds End >= value; End == value means value is just past it.
        if (index < _count && _intervals[index].End == value)
        {
            index++;
        }

        return index < _count && _intervals[index].Start <= value;
    }

    /// <summary>Whether every number in <c>[start, endExclusive)</c> is in the set (true for an empty range).</summary>
    public bool Covers(ulong start, ulong endExclusive)
    {
        if (start >= endExclusive)
        {
            return true;
        }

        int index = FirstEndingAtOrAfter(start);
        if (index < _count && _intervals[index].End == start)
        {
            index++;
        }

        return index < _count && _intervals[index].Start <= start && _intervals[index].End >= endExclusive;
    }

    /// <summary>Removes every number below <paramref name="value"/>.</summary>
    public void RemoveBelow(ulong value)
    {
        int drop = 0;
        while (drop < _count && _intervals[drop].End <= value)
        {
            drop++;
        }

        if (drop > 0)
        {
            Array.Copy(_intervals, drop, _intervals, 0, _count - drop);
            _count -= drop;
        }

        if (_count > 0 && _intervals[0].Start < value)
        {
            _intervals[0] = new Interval(value, _intervals[0].End);
        }
    }

    /// <summary>Removes the lowest interval; the set must not be empty.</summary>
    public void RemoveFirst()
    {
        if (_count == 0)
        {
            throw new InvalidOperationException("The set is empty.");
        }

        Array.Copy(_intervals, 1, _intervals, 0, _count - 1);
        _count--;
    }

    public void Clear() => _count = 0;

    /// <summary>Enumerates the intervals in increasing order without allocating.</summary>
    public Enumerator GetEnumerator() => new(this);

    private int FirstEndingAtOrAfter(ulong value)
    {
        int lo = 0;
        int hi = _count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_intervals[mid].End < value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    private int LastStartingAtOrBefore(ulong value)
    {
        int lo = 0;
        int hi = _count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_intervals[mid].Start <= value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo - 1;
    }

    private void EnsureRoom()
    {
        if (_count < _intervals.Length)
        {
            return;
        }

        Debug.Assert(_intervals.Length < MaxIntervals);
        int newSize = (int)Math.Min((long)_intervals.Length * 2, MaxIntervals);
        Array.Resize(ref _intervals, newSize);
    }

    private static void ThrowIndex(int index) =>
        throw new ArgumentOutOfRangeException(nameof(index), index, "No interval at this index.");

    public struct Enumerator
    {
        private readonly RangeSet _set;
        private int _index;

        internal Enumerator(RangeSet set)
        {
            _set = set;
            _index = -1;
        }

        public readonly Interval Current => _set._intervals[_index];

        public bool MoveNext() => ++_index < _set._count;
    }
}
