using MeshHost.Transport.Recovery;

namespace MeshHost.Transport.Tests.Recovery;

public class RangeSetTests
{
    [Fact]
    public void Add_MergesOverlappingAndAdjacentIntervals()
    {
        var set = new RangeSet(16);
        Assert.True(set.Add(10, 20));
        Assert.True(set.Add(30, 40));
        Assert.True(set.Add(0, 5));
        Assert.Equal(3, set.Count);

        Assert.True(set.Add(20, 30)); // touches both neighbours
        Assert.Equal(2, set.Count);
        Assert.Equal(new Interval(0, 5), set[0]);
        Assert.Equal(new Interval(10, 40), set[1]);

        Assert.True(set.Add(3, 12)); // overlaps both
        Assert.Equal(1, set.Count);
        Assert.Equal(new Interval(0, 40), set[0]);

        Assert.True(set.Add(5, 6)); // inside
        Assert.True(set.Add(7, 7)); // empty
        Assert.Equal(1, set.Count);
        Assert.Equal(0UL, set.Min);
        Assert.Equal(39UL, set.Max);
    }

    [Fact]
    public void Add_SpanningManyIntervals_CollapsesThem()
    {
        var set = new RangeSet(64);
        for (ulong i = 0; i < 40; i++)
        {
            Assert.True(set.Add(i * 3));
        }

        Assert.Equal(40, set.Count);
        Assert.True(set.Add(2, 117)); // reaches 114 and touches [117,118)
        Assert.Equal(2, set.Count);
        Assert.Equal(new Interval(0, 1), set[0]);
        Assert.Equal(new Interval(2, 118), set[1]);
    }

    [Fact]
    public void Contains_RespectsHalfOpenBounds()
    {
        var set = new RangeSet(4);
        set.Add(10, 20);
        set.Add(30, 31);
        Assert.False(set.Contains(9));
        Assert.True(set.Contains(10));
        Assert.True(set.Contains(19));
        Assert.False(set.Contains(20));
        Assert.False(set.Contains(29));
        Assert.True(set.Contains(30));
        Assert.False(set.Contains(31));
        Assert.False(new RangeSet(1).Contains(0));
    }

    [Fact]
    public void Add_WhenFull_RefusesNewIntervalsButStillMerges()
    {
        var set = new RangeSet(3, initialCapacity: 1);
        Assert.True(set.Add(0));
        Assert.True(set.Add(2));
        Assert.True(set.Add(4));
        Assert.False(set.Add(6));
        Assert.Equal(3, set.Count);
        Assert.True(set.Add(5)); // merges with [4,5)
        Assert.Equal(new Interval(4, 6), set[2]);

        set.RemoveFirst();
        Assert.True(set.Add(8));
        Assert.Equal(new Interval(2, 3), set[0]);
        Assert.Equal(new Interval(8, 9), set[2]);
    }

    [Fact]
    public void RemoveBelow_TrimsAndDrops()
    {
        var set = new RangeSet(8);
        set.Add(0, 10);
        set.Add(20, 30);
        set.Add(40, 50);
        set.RemoveBelow(25);
        Assert.Equal(2, set.Count);
        Assert.Equal(new Interval(25, 30), set[0]);
        set.RemoveBelow(30);
        Assert.Equal(1, set.Count);
        Assert.Equal(new Interval(40, 50), set[0]);
        set.RemoveBelow(1000);
        Assert.True(set.IsEmpty);
    }

    [Fact]
    public void Enumerator_YieldsAscending()
    {
        var set = new RangeSet(8);
        set.Add(50, 60);
        set.Add(0, 1);
        set.Add(20, 25);
        var seen = new List<Interval>();
        foreach (Interval interval in set)
        {
            seen.Add(interval);
        }

        Assert.Equal([new Interval(0, 1), new Interval(20, 25), new Interval(50, 60)], seen);
    }

    [Fact]
    public void RandomizedAgainstReferenceSet()
    {
        var random = new Random(1234);
        var set = new RangeSet(1000);
        var reference = new HashSet<ulong>();
        for (int step = 0; step < 2000; step++)
        {
            ulong start = (ulong)random.Next(0, 500);
            ulong end = start + (ulong)random.Next(0, 6);
            Assert.True(set.Add(start, end));
            for (ulong v = start; v < end; v++)
            {
                reference.Add(v);
            }

            if (step % 100 == 99)
            {
                ulong cut = (ulong)random.Next(0, 200);
                set.RemoveBelow(cut);
                reference.RemoveWhere(v => v < cut);
            }
        }

        for (ulong v = 0; v < 520; v++)
        {
            Assert.Equal(reference.Contains(v), set.Contains(v));
        }

        for (int i = 1; i < set.Count; i++)
        {
            Assert.True(set[i - 1].End < set[i].Start, "intervals must be disjoint and non-adjacent");
        }
    }
}
