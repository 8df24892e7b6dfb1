using System.Net;
using MeshHost.Dht.Routing;
using MeshHost.Transport;

namespace MeshHost.Dht.Tests;

public class RoutingTableTests
{
    private static readonly NodeId Self = default;

    // Ids whose first bit is 1 all land in bucket 0 of the all-zero id.
    private static NodeId IdInBucket0(int n)
    {
        byte[] bytes = new byte[32];
        bytes[0] = 0x80;
        bytes[30] = (byte)(n >> 8);
        bytes[31] = (byte)n;
        return new NodeId(bytes);
    }

    private static DhtContact Contact(NodeId id, string ip) => new(id, new IPEndPoint(IPAddress.Parse(ip), 4000));

    private static string PublicIp(int n) => $"20.{n >> 8}.{n & 255}.1";

    [Fact]
    public void Full_bucket_caches_the_newcomer_and_pings_the_least_recently_seen()
    {
        var table = new RoutingTable(Self, new DhtOptions());
        for (int i = 0; i < 20; i++)
        {
            Assert.Equal(AddOutcome.Added, table.TryAdd(Contact(IdInBucket0(i), PublicIp(i)), out _));
        }

        Assert.Equal(AddOutcome.Cached, table.TryAdd(Contact(IdInBucket0(100), PublicIp(100)), out DhtContact? toPing));
        Assert.Equal(IdInBucket0(0), toPing!.Value.Id);
        Assert.Equal(1, table.ReplacementCount(0));

        // A second newcomer does not ping again while the first ping is pending.
        Assert.Equal(AddOutcome.Cached, table.TryAdd(Contact(IdInBucket0(101), PublicIp(101)), out toPing));
        Assert.Null(toPing);

        // Alive: the old entry stays, the newcomer does not get in.
        table.OnPingResult(Contact(IdInBucket0(0), PublicIp(0)), alive: true);
        Assert.True(table.Contains(IdInBucket0(0)));
        Assert.False(table.Contains(IdInBucket0(101)));
        Assert.Equal(20, table.Count);
    }

    [Fact]
    public void Failed_ping_evicts_and_promotes_the_most_recent_replacement()
    {
        var table = new RoutingTable(Self, new DhtOptions());
        for (int i = 0; i < 20; i++)
        {
            table.TryAdd(Contact(IdInBucket0(i), PublicIp(i)), out _);
        }

        table.TryAdd(Contact(IdInBucket0(100), PublicIp(100)), out DhtContact? toPing);
        table.TryAdd(Contact(IdInBucket0(101), PublicIp(101)), out _);
        table.OnPingResult(toPing!.Value, alive: false);
        Assert.False(table.Contains(IdInBucket0(0)));
        Assert.True(table.Contains(IdInBucket0(101)));
        Assert.Equal(20, table.Count);
    }

    [Fact]
    public void Repeated_rpc_failures_replace_an_entry()
    {
        var table = new RoutingTable(Self, new DhtOptions { MaxConsecutiveFailures = 2 });
        table.TryAdd(Contact(IdInBucket0(1), PublicIp(1)), out _);
        Assert.False(table.OnFailure(IdInBucket0(1)));
        Assert.True(table.OnFailure(IdInBucket0(1)));
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public void Ip_group_limits_are_two_per_bucket_and_three_per_table()
    {
        var table = new RoutingTable(Self, new DhtOptions());
        Assert.Equal(AddOutcome.Added, table.TryAdd(Contact(IdInBucket0(1), "20.1.1.1"), out _));
        Assert.Equal(AddOutcome.Added, table.TryAdd(Contact(IdInBucket0(2), "20.1.1.2"), out _));
        Assert.Equal(AddOutcome.Rejected, table.TryAdd(Contact(IdInBucket0(3), "20.1.1.3"), out _));

        // Bucket 1 (prefix 01...) takes the third of the /24, then the table is full for it.
        byte[] bytes = new byte[32];
        bytes[0] = 0x40;
        Assert.Equal(AddOutcome.Added, table.TryAdd(Contact(new NodeId(bytes), "20.1.1.4"), out _));
        bytes[1] = 1;
        Assert.Equal(AddOutcome.Rejected, table.TryAdd(Contact(new NodeId(bytes), "20.1.1.5"), out _));

        // Another /24 is fine, and private addresses are exempt by default.
        Assert.Equal(AddOutcome.Added, table.TryAdd(Contact(IdInBucket0(4), "20.1.2.1"), out _));
        Assert.Equal(AddOutcome.Added, table.TryAdd(Contact(IdInBucket0(5), "192.168.1.1"), out _));
        Assert.Equal(AddOutcome.Added, table.TryAdd(Contact(IdInBucket0(6), "192.168.1.2"), out _));
        Assert.Equal(AddOutcome.Added, table.TryAdd(Contact(IdInBucket0(7), "192.168.1.3"), out _));
    }

    [Fact]
    public void Refreshing_an_entry_moves_it_to_most_recently_seen()
    {
        var table = new RoutingTable(Self, new DhtOptions());
        for (int i = 0; i < 20; i++)
        {
            table.TryAdd(Contact(IdInBucket0(i), PublicIp(i)), out _);
        }

        Assert.Equal(AddOutcome.Refreshed, table.TryAdd(Contact(IdInBucket0(0), PublicIp(0)), out _));
        table.TryAdd(Contact(IdInBucket0(100), PublicIp(100)), out DhtContact? toPing);
        Assert.Equal(IdInBucket0(1), toPing!.Value.Id);
    }

    [Fact]
    public void Closest_returns_contacts_in_xor_order()
    {
        var random = new Random(5);
        NodeId self = NodeId.Random(random);
        var table = new RoutingTable(self, new DhtOptions());
        var all = new List<NodeId>();
        for (int i = 0; i < 300; i++)
        {
            NodeId id = NodeId.Random(random);
            if (table.TryAdd(Contact(id, PublicIp(i)), out _) == AddOutcome.Added)
            {
                all.Add(id);
            }
        }

        NodeId target = NodeId.Random(random);
        all.Sort((a, b) => (a ^ target).CompareTo(b ^ target));
        List<DhtContact> closest = table.Closest(target, 20);
        Assert.Equal(all.Take(20), closest.Select(c => c.Id));
    }

    [Fact]
    public void Random_id_in_bucket_lands_in_that_bucket()
    {
        var random = new Random(1);
        var table = new RoutingTable(NodeId.Random(random), new DhtOptions());
        foreach (int bucket in new[] { 0, 1, 7, 8, 100, 255 })
        {
            Assert.Equal(bucket, table.BucketIndex(table.RandomIdInBucket(bucket, random)));
        }
    }
}
