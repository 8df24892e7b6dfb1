using System.Net;
using MeshHost.Dht.Protocol;
using MeshHost.Dht.Records;
using MeshHost.Dht.Simulation;
using MeshHost.Transport;

namespace MeshHost.Dht.Tests;

public class LookupTests
{
    /// <summary>A scripted network: each "remote node" answers FIND_NODE from a fixed global list, or misbehaves.</summary>
    private sealed class ScriptedRpc(List<DhtContact> everyone, Func<DhtContact, DhtRequest, DhtResponse?>? misbehave = null) : IDhtRpcClient
    {
        public List<NodeId> Asked { get; } = new();

        public ValueTask<DhtResponse?> SendAsync(DhtContact to, DhtRequest request, CancellationToken cancellationToken)
        {
            if (request is FindNodeRequest)
            {
                Asked.Add(to.Id);
            }

            if (misbehave?.Invoke(to, request) is DhtResponse bad)
            {
                return new(bad);
            }

            if (request is FindNodeRequest find)
            {
                var target = new NodeId(find.Target);
                List<DhtContact> sorted = [.. everyone];
                sorted.Sort((a, b) => (a.Id ^ target).CompareTo(b.Id ^ target));
                return new(new NodesResponse { RequestId = request.RequestId, Contacts = [.. sorted.Take(20).Select(DhtCodec.ToWire)] });
            }

            return new((DhtResponse?)null);
        }
    }

    private static List<DhtContact> Population(int count, int seed)
    {
        var random = new Random(seed);
        var list = new List<DhtContact>();
        for (int i = 0; i < count; i++)
        {
            list.Add(new DhtContact(NodeId.Random(random), new IPEndPoint(new IPAddress([20, (byte)(i >> 8), (byte)i, 1]), 4000)));
        }

        return list;
    }

    [Fact]
    public async Task Lookup_terminates_once_the_k_closest_have_answered()
    {
        List<DhtContact> everyone = Population(200, 1);
        var rpc = new ScriptedRpc(everyone);
        var node = new DhtNode(NodeId.Random(new Random(9)), rpc, random: new Random(1));
        foreach (DhtContact contact in everyone.Take(30))
        {
            node.Observe(contact);
        }

        NodeId target = NodeId.Random(new Random(2));
        LookupResult result = await node.FindNodeAsync(target).WaitAsync(TimeSpan.FromSeconds(10));
        List<DhtContact> truth = [.. everyone];
        truth.Sort((a, b) => (a.Id ^ target).CompareTo(b.Id ^ target));
        Assert.Equal(truth.Take(20).Select(c => c.Id), result.Closest.Select(c => c.Id));

        // Every node asked is among those that could still matter: the true 20 closest plus the
        // ones asked before they were known to be farther; never the whole population.
        Assert.True(result.Rpcs <= 20 + 30, $"{result.Rpcs} RPCs");
        Assert.Equal(result.Rpcs, rpc.Asked.Count);
        Assert.Equal(rpc.Asked.Count, rpc.Asked.Distinct().Count());
    }

    [Fact]
    public async Task Lookup_tolerates_silent_and_garbage_answering_nodes()
    {
        List<DhtContact> everyone = Population(200, 3);
        var random = new Random(4);
        var bad = new HashSet<NodeId>(everyone.Where((_, i) => i % 4 == 0).Select(c => c.Id));

        // Flavour 3 answers well-formed but useless replies: such a node is reachable and stays a fair result.
        var refused = new HashSet<NodeId>(bad.Where(id => (id.ToArray()[31] & 3) != 3));
        var rpc = new ScriptedRpc(everyone, (to, request) =>
        {
            if (!bad.Contains(to.Id))
            {
                return null;
            }

            // Garbage in many flavours: wrong request id, wrong type, too many contacts, bogus contacts.
            return (to.Id.ToArray()[31] & 3) switch
            {
                0 => new NodesResponse { RequestId = request.RequestId + 1 },
                1 => new PongResponse { RequestId = request.RequestId, NodeId = to.Id.ToArray() },
                2 => new NodesResponse { RequestId = request.RequestId, Contacts = [.. Population(25, 99).Select(DhtCodec.ToWire)] },
                _ => new NodesResponse { RequestId = request.RequestId, Contacts = [new WireContact { Id = [1, 2, 3], Address = [1], Port = 0 }] },
            };
        });
        var node = new DhtNode(NodeId.Random(random), rpc, random: new Random(1));
        foreach (DhtContact contact in everyone.Take(40))
        {
            node.Observe(contact);
        }

        NodeId target = NodeId.Random(random);
        LookupResult result = await node.FindNodeAsync(target).WaitAsync(TimeSpan.FromSeconds(10));
        DhtContact trueClosest = everyone.Where(c => !refused.Contains(c.Id)).MinBy(c => c.Id ^ target);
        Assert.Equal(trueClosest.Id, result.Closest[0].Id);
        Assert.DoesNotContain(result.Closest, c => refused.Contains(c.Id));
        Assert.True(result.Failures > 0);
    }

    [Fact]
    public void Lookups_converge_with_a_quarter_of_nodes_failed_and_messages_lost()
    {
        var sim = new DhtSimulation(seed: 7, new DhtOptions { RequestTimeout = TimeSpan.FromMilliseconds(500) });
        sim.Grow(400);
        var random = new Random(8);
        foreach (DhtNode node in sim.Nodes.Skip(3).Where(_ => random.NextDouble() < 0.25).ToList())
        {
            sim.Fail(node);
        }

        sim.Network.LossRate = 0.05;
        List<DhtNode> alive = sim.Nodes.Where(n => !sim.IsFailed(n)).ToList();
        int found = 0;
        const int Lookups = 150;
        for (int i = 0; i < Lookups; i++)
        {
            DhtNode from = alive[random.Next(alive.Count)];
            NodeId target = NodeId.Random(random);
            LookupResult result = sim.Run(from.FindNodeAsync(target), TimeSpan.FromMinutes(1));
            found += result.Closest.Count > 0 && result.Closest[0].Id == sim.TrueClosest(target, from).Id ? 1 : 0;
        }

        Assert.True(found >= Lookups * 0.97, $"found {found}/{Lookups}");
    }

    /// <summary>A P-256 identity whose private scalar comes from <paramref name="seed"/>, so that its id (and the run) is reproducible.</summary>
    private static NodeIdentity SeededIdentity(int seed)
    {
        byte[] d = new byte[32];
        new Random(seed).NextBytes(d);
        d[0] = (byte)((d[0] & 0x7F) | 0x01); // below the curve order and non-zero
        using var key = System.Security.Cryptography.ECDsa.Create();
        key.ImportParameters(new System.Security.Cryptography.ECParameters { Curve = System.Security.Cryptography.ECCurve.NamedCurves.nistP256, D = d });
        return NodeIdentity.FromPkcs8(key.ExportPkcs8PrivateKey());
    }

    [Fact]
    public void A_provider_that_holds_only_its_own_record_still_finds_the_other_providers()
    {
        var sim = new DhtSimulation(seed: 12);
        sim.Grow(3);
        using var earlyIdentity = SeededIdentity(seed: 12);
        using var lateIdentity = SeededIdentity(seed: 13);
        DhtNode early = sim.AddNode(earlyIdentity);
        sim.Join(early);
        NodeId content = early.Id;
        Assert.True(sim.Run(early.ProvideAsync(content, new PeerInfo()), TimeSpan.FromMinutes(1)) >= 2);

        // A node that joins later (or restarted, its store empty) and provides the same key holds only
        // its own record (every node of this small mesh is among the key's closest): its lookup must
        // still reach the network for the early provider's record.
        DhtNode late = sim.AddNode(lateIdentity);
        sim.Join(late);
        Assert.True(sim.Run(late.ProvideAsync(content, new PeerInfo()), TimeSpan.FromMinutes(1)) >= 2);

        LookupResult found = sim.Run(late.FindProvidersAsync(content), TimeSpan.FromMinutes(1));
        Assert.Contains(found.Records, r => r.PublisherKey.AsSpan().SequenceEqual(earlyIdentity.PublicKey.Span));
    }

    [Fact]
    public void Provider_records_survive_the_departure_of_every_node_that_stored_them()
    {
        var options = new DhtOptions { RepublishInterval = TimeSpan.FromMinutes(10), RefreshInterval = TimeSpan.FromHours(10), RequestTimeout = TimeSpan.FromMilliseconds(500) };
        var sim = new DhtSimulation(seed: 11, options);
        sim.Grow(300);
        using var identity = SeededIdentity(seed: 11);
        DhtNode publisher = sim.AddNode(identity);
        sim.Join(publisher);
        publisher.Start();

        // The key is as far from the publisher as XOR allows (its id with the top bit flipped), so the
        // publisher is never among the key's closest nodes:
        // otherwise it would answer with its own record and nothing could be shown to disappear.
        byte[] farthest = new byte[NodeId.Size];
        farthest[0] = 0x80;
        NodeId content = publisher.Id ^ new NodeId(farthest);
        int stored = sim.Run(publisher.ProvideAsync(content, new PeerInfo()), TimeSpan.FromMinutes(1));
        Assert.True(stored >= 15, $"stored on {stored}");

        // Every node holding the record leaves.
        List<DhtNode> holders = sim.Nodes.Where(n => n != publisher && n.StoredRecordCount > 0).ToList();
        Assert.True(holders.Count >= 15);
        foreach (DhtNode holder in holders)
        {
            sim.Fail(holder);
        }

        DhtNode reader = sim.Nodes.First(n => !sim.IsFailed(n) && n != publisher && n.RoutingTableCount > 0);
        Assert.Empty(sim.Run(reader.FindProvidersAsync(content), TimeSpan.FromMinutes(1)).Records);

        // The publisher's next republish stores it on the new k closest.
        sim.Clock.RunFor(options.RepublishInterval + TimeSpan.FromMinutes(1));
        LookupResult found = sim.Run(reader.FindProvidersAsync(content), TimeSpan.FromMinutes(1));
        Assert.Single(found.Records);
        Assert.Equal(identity.PublicKey.ToArray(), found.Records[0].PublisherKey);
    }

    [Fact]
    public void Peer_and_plugin_value_records_are_found_and_forged_stores_refused()
    {
        var sim = new DhtSimulation(seed: 21);
        sim.Grow(200);
        using var alice = NodeIdentity.Generate();
        using var mallory = NodeIdentity.Generate();
        DhtNode a = sim.AddNode(alice);
        DhtNode m = sim.AddNode(mallory);
        sim.Join(a);
        sim.Join(m);

        Assert.True(sim.Run(a.PublishPeerAsync(new PeerInfo { NatStatus = (byte)NatStatus.Private }), TimeSpan.FromMinutes(1)) >= 15);
        Assert.True(sim.Run(a.PutValueAsync("chat", "room", new byte[] { 42 }), TimeSpan.FromMinutes(1)) >= 15);

        // Mallory stores a record under Alice's peer key: every node refuses it.
        WireRecord forged = DhtRecords.CreatePeer(mallory, new PeerInfo(), sim.Clock.GetUtcNow(), TimeSpan.FromHours(1)) with { Key = alice.Id.ToArray() };
        Assert.Equal(0, sim.Run(m.StoreAsync(forged), TimeSpan.FromMinutes(1)));

        DhtNode reader = sim.Nodes[50];
        LookupResult peer = sim.Run(reader.FindPeerAsync(alice.Id), TimeSpan.FromMinutes(1));
        Assert.Single(peer.Records);
        Assert.Equal(alice.PublicKey.ToArray(), peer.Records[0].PublisherKey);
        LookupResult value = sim.Run(reader.GetValueAsync("chat", alice.Id, "room"), TimeSpan.FromMinutes(1));
        Assert.Equal(new byte[] { 42 }, value.Records[0].Value);
    }

    [Fact]
    public void Node_rejoins_after_losing_every_contact()
    {
        var options = new DhtOptions { RefreshInterval = TimeSpan.FromMinutes(4), RequestTimeout = TimeSpan.FromMilliseconds(500), MaxConsecutiveFailures = 1 };
        var sim = new DhtSimulation(seed: 31, options);
        sim.Grow(100);
        DhtNode node = sim.Nodes[80];
        Assert.True(node.RoutingTableCount > 0);

        // Everyone it knows vanishes at once; lookups evict them all.
        List<DhtNode> known = sim.Nodes.Where(n => node.GetContacts().Any(c => c.Id == n.Id)).ToList();
        foreach (DhtNode other in known)
        {
            sim.Fail(other);
        }

        for (int i = 0; i < 5 && node.RoutingTableCount > 0; i++)
        {
            sim.Run(node.FindNodeAsync(NodeId.Random(new Random(i))), TimeSpan.FromMinutes(1));
        }

        Assert.Equal(0, node.RoutingTableCount);
        foreach (DhtNode other in known)
        {
            sim.Network.SetFailed(sim.Endpoints[other], false);
        }

        node.Start();
        sim.Clock.RunFor(TimeSpan.FromMinutes(2));
        Assert.True(node.RoutingTableCount > 10, $"{node.RoutingTableCount} contacts after rejoin");
    }

    [Fact]
    public async Task Routing_table_is_saved_and_restored()
    {
        string dir = Path.Combine(Path.GetTempPath(), "meshhost-dht-" + Guid.NewGuid().ToString("N"));
        try
        {
            var sim = new DhtSimulation(seed: 41);
            sim.Grow(60);
            DhtNode node = sim.AddNode(options: sim.Options with { DataDirectory = dir });
            sim.Join(node);
            IReadOnlyList<DhtContact> before = node.GetContacts();
            await node.DisposeAsync();
            Assert.True(File.Exists(Path.Combine(dir, RoutingTableFile.FileName)));
            Assert.Equal(before.Select(c => c.Id).Order(), RoutingTableFile.Load(dir).Select(c => c.Id).Order());

            // A restarted node with no seeds rejoins from the saved contacts alone.
            DhtNode restarted = sim.AddNode(options: sim.Options with { DataDirectory = dir });
            Assert.True(sim.Run(restarted.BootstrapAsync([], refreshBuckets: false), TimeSpan.FromMinutes(1)) > 10);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
