using MeshHost.Transport.Frames;
using MeshHost.Transport.Recovery;

namespace MeshHost.Transport.Tests.Recovery;

public class ReceivedPacketTrackerTests
{
    [Fact]
    public void IsDuplicate_AfterReceipt()
    {
        var tracker = new ReceivedPacketTracker();
        Assert.False(tracker.IsDuplicate(0));
        tracker.OnPacketReceived(0, true, 0);
        tracker.OnPacketReceived(5, true, 0);
        Assert.True(tracker.IsDuplicate(0));
        Assert.True(tracker.IsDuplicate(5));
        Assert.False(tracker.IsDuplicate(3));
        Assert.False(tracker.IsDuplicate(6));
    }

    [Fact]
    public void IsDuplicate_BeyondTheWindowBelowTheLargest()
    {
        var tracker = new ReceivedPacketTracker();
        tracker.OnPacketReceived(100_000, true, 0);
        ulong edge = 100_000 - ReceivedPacketTracker.DuplicateWindow;
        Assert.True(tracker.IsDuplicate(edge - 1));
        Assert.False(tracker.IsDuplicate(edge));
        Assert.False(tracker.IsDuplicate(99_999));
    }

    [Fact]
    public void BoundedRanges_ForgetTheOldestAndRefuseReplaysBelowThem()
    {
        var tracker = new ReceivedPacketTracker(maxRanges: 4);
        foreach (ulong pn in new ulong[] { 10, 14, 18, 22 })
        {
            tracker.OnPacketReceived(pn, false, 0);
        }

        Assert.Equal(4, tracker.RangeCount);
        tracker.OnPacketReceived(11, false, 0); // merges, nothing forgotten
        Assert.True(tracker.IsDuplicate(10));

        tracker.OnPacketReceived(26, false, 0); // a fifth range: [10, 11] is forgotten
        Assert.Equal(4, tracker.RangeCount);
        Assert.True(tracker.IsDuplicate(10));
        Assert.True(tracker.IsDuplicate(12)); // never received, but below the oldest range kept
        Assert.False(tracker.IsDuplicate(15));

        // A number in the oldest gap when full: the oldest range goes and the number falls below the floor.
        tracker.OnPacketReceived(16, false, 0);
        Assert.True(tracker.IsDuplicate(16));
        Assert.True(tracker.IsDuplicate(17));
        Assert.Equal(3, tracker.RangeCount);
    }

    [Fact]
    public void BoundedRanges_AnAncientNumberWhenFull_RaisesTheFloorPastIt()
    {
        var tracker = new ReceivedPacketTracker(maxRanges: 2);
        tracker.OnPacketReceived(10, false, 0);
        tracker.OnPacketReceived(20, false, 0);
        tracker.OnPacketReceived(5, false, 0);
        Assert.True(tracker.IsDuplicate(5));
        Assert.False(tracker.IsDuplicate(6));
        Assert.True(tracker.IsDuplicate(10));
    }

    [Fact]
    public void DelayedAck_AfterTwoAckElicitingPackets_OrMaxAckDelay()
    {
        var tracker = new ReceivedPacketTracker(maxAckDelay: 5_000);
        Assert.Equal(long.MaxValue, tracker.AckDeadline);

        tracker.OnPacketReceived(0, ackEliciting: true, now: 1_000);
        Assert.False(tracker.AckRequiredNow);
        Assert.Equal(6_000, tracker.AckDeadline);

        tracker.OnPacketReceived(1, ackEliciting: true, now: 2_000);
        Assert.True(tracker.AckRequiredNow);
        Assert.Equal(6_000, tracker.AckDeadline);

        tracker.OnAckSent();
        Assert.False(tracker.AckRequiredNow);
        Assert.False(tracker.HasAckToSend);
        Assert.Equal(long.MaxValue, tracker.AckDeadline);
    }

    [Fact]
    public void NonAckElicitingPackets_NeverForceAnAck()
    {
        var tracker = new ReceivedPacketTracker();
        tracker.OnPacketReceived(0, false, 0);
        tracker.OnPacketReceived(1, false, 0);
        tracker.OnPacketReceived(5, false, 0); // even out of order
        Assert.False(tracker.AckRequiredNow);
        Assert.Equal(long.MaxValue, tracker.AckDeadline);
        Assert.True(tracker.HasAckToSend);
    }

    [Fact]
    public void OutOfOrderArrivals_RequireAnImmediateAck()
    {
        var tracker = new ReceivedPacketTracker();
        tracker.OnPacketReceived(0, true, 0);
        Assert.False(tracker.AckRequiredNow);
        tracker.OnPacketReceived(2, true, 10); // a gap
        Assert.True(tracker.AckRequiredNow);
        tracker.OnAckSent();

        tracker.OnPacketReceived(3, true, 20); // in order after the gap
        Assert.False(tracker.AckRequiredNow);
        tracker.OnPacketReceived(1, true, 30); // the late fill
        Assert.True(tracker.AckRequiredNow);

        var first = new ReceivedPacketTracker();
        first.OnPacketReceived(3, true, 0); // 0..2 missing
        Assert.True(first.AckRequiredNow);
    }

    [Fact]
    public void DuplicateReceipt_IsIgnored()
    {
        var tracker = new ReceivedPacketTracker();
        tracker.OnPacketReceived(0, true, 0);
        tracker.OnAckSent();
        tracker.OnPacketReceived(0, true, 10);
        Assert.False(tracker.HasAckToSend);
        Assert.Equal(long.MaxValue, tracker.AckDeadline);
    }

    [Fact]
    public void WriteAckFrame_NewestRangesFirst_WithTheDelaySinceTheLargest()
    {
        var tracker = new ReceivedPacketTracker();
        Assert.Equal(0, tracker.WriteAckFrame(new byte[64], 0));
        for (ulong pn = 0; pn < 10; pn++)
        {
            tracker.OnPacketReceived(pn, true, 100);
        }

        tracker.OnPacketReceived(12, true, 200);
        tracker.OnPacketReceived(14, true, 300);
        tracker.OnPacketReceived(13, true, 400); // not the largest: the delay still counts from 14
        tracker.OnPacketReceived(20, false, 1_000);

        AckRange[] ranges = ReadBack(tracker, now: 3_500, out long delay);
        Assert.Equal([new AckRange(20, 20), new AckRange(12, 14), new AckRange(0, 9)], ranges);
        Assert.Equal(2_500, delay);
    }

    [Fact]
    public void WriteAckFrame_AtMostThirtyTwoRanges()
    {
        var tracker = new ReceivedPacketTracker();
        for (ulong pn = 0; pn < 100; pn += 2)
        {
            tracker.OnPacketReceived(pn, true, 0);
        }

        Assert.Equal(50, tracker.RangeCount);
        AckRange[] ranges = ReadBack(tracker, now: 0, out _);
        Assert.Equal(32, ranges.Length);
        Assert.Equal(new AckRange(98, 98), ranges[0]);
        Assert.Equal(new AckRange(36, 36), ranges[31]);
    }

    [Fact]
    public void WriteAckFrame_IntoASmallBuffer_KeepsTheNewestRanges()
    {
        var tracker = new ReceivedPacketTracker();
        for (ulong pn = 0; pn < 100; pn += 2)
        {
            tracker.OnPacketReceived(pn, true, 0);
        }

        var buffer = new byte[12];
        int written = tracker.WriteAckFrame(buffer, 0);
        Assert.InRange(written, 1, 12);
        var output = new AckRange[64];
        Assert.True(AckFrame.TryRead(buffer.AsSpan(1, written - 1), output, out int count, out _, out _));
        Assert.Equal(new AckRange(98, 98), output[0]);
        Assert.Equal(new AckRange(98 - (2 * ((ulong)count - 1)), 98 - (2 * ((ulong)count - 1))), output[count - 1]);
        Assert.Equal(0, tracker.WriteAckFrame(new byte[2], 0));
    }

    [Fact]
    public void DecodePacketNumber_UsesTheLargestReceived()
    {
        var tracker = new ReceivedPacketTracker();
        Assert.Equal(0UL, tracker.DecodePacketNumber(0));
        tracker.OnPacketReceived(0x1_ffff_fff0, true, 0);
        Assert.Equal(0x2_0000_0002UL, tracker.DecodePacketNumber(2));
        Assert.Equal(0x1_ffff_ff00UL, tracker.DecodePacketNumber(0xffff_ff00));
    }

    [Fact]
    public void Randomized_AgreesWithAReferenceSet()
    {
        var random = new Random(42);
        var tracker = new ReceivedPacketTracker(maxRanges: 4_096); // room for every run: nothing is forgotten
        var reference = new SortedSet<ulong>();
        for (int i = 0; i < 3_000; i++)
        {
            ulong pn = (ulong)random.Next(0, 4_000);
            Assert.Equal(reference.Contains(pn), tracker.IsDuplicate(pn));
            tracker.OnPacketReceived(pn, random.Next(2) == 0, i);
            reference.Add(pn);
        }

        // The frame's ranges are exactly the newest 32 runs of the reference set.
        var runs = new List<AckRange>();
        foreach (ulong pn in reference.Reverse())
        {
            if (runs.Count > 0 && runs[^1].Smallest == pn + 1)
            {
                runs[^1] = runs[^1] with { Smallest = pn };
            }
            else
            {
                runs.Add(new AckRange(pn, pn));
            }
        }

        Assert.Equal(runs.Take(32), ReadBack(tracker, now: 5_000, out _));
    }

    private static AckRange[] ReadBack(ReceivedPacketTracker tracker, long now, out long delay)
    {
        var buffer = new byte[1500];
        int written = tracker.WriteAckFrame(buffer, now);
        Assert.True(written > 0);
        Assert.Equal(AckFrame.Type, buffer[0]);
        var output = new AckRange[64];
        Assert.True(AckFrame.TryRead(buffer.AsSpan(1, written - 1), output, out int count, out delay, out int read));
        Assert.Equal(written - 1, read);
        return output[..count];
    }
}
