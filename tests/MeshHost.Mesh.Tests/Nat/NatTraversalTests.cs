using System.Net;
using MeshHost.Mesh.Nat;
using MeshHost.Mesh.Tests.Nodes;
using MeshHost.Sdk;
using MeshHost.Transport;
using MeshHost.Transport.Testing;

namespace MeshHost.Mesh.Tests.Nat;

/// <summary>
/// Classification, relays and hole punching between mesh nodes behind simulated NATs, on a manual
/// clock (docs/nat.md).
/// </summary>
public sealed class NatTraversalTests
{
    [Fact]
    public async Task Nodes_classify_their_nat_from_peer_reports_and_public_nodes_serve_as_relays()
    {
        await using var bed = new NatTestBed(seed: 1);
        MeshNode r1 = await bed.PublicAsync(1);
        MeshNode r2 = await bed.PublicAsync(2, null, r1);
        InMemoryNat home = bed.Nat();
        MeshNode a = await bed.BehindAsync(home, 2, r1, r2);

        await bed.PumpUntilAsync(() => a.GetNatInfo().Class == NatClass.PortPreserving, "A to classify its NAT");
        await bed.PumpUntilAsync(() => r1.GetNatInfo().RelayServing && r2.GetNatInfo().RelayServing, "the public nodes to serve as relays");
        await bed.PumpUntilAsync(() => a.GetNatInfo().Relays.Count == 2, "A to reserve two relays");

        NatInfo nat = a.GetNatInfo();
        Assert.Equal(IPEndPoint.Parse("203.0.113.1:47800"), nat.ReflexiveEndPoint);
        Assert.False(nat.PubliclyReachable);
        Assert.False(nat.RelayServing);
        Assert.Contains(IPEndPoint.Parse("203.0.113.1:47800"), nat.Candidates);
        Assert.Contains(IPEndPoint.Parse("10.0.1.2:47800"), nat.Candidates);
        Assert.Equal(new HashSet<NodeId> { r1.Id, r2.Id }, nat.Relays.Select(r => r.Id).ToHashSet());

        NatInfo relay = r1.GetNatInfo();
        Assert.Equal(NatClass.Public, relay.Class);
        Assert.True(relay.PubliclyReachable);
        Assert.Null(relay.ReflexiveEndPoint);

        // The peer record carries the class and the relays: a third node learns them from the DHT.
        MeshNode c = await bed.PublicAsync(3, null, r1);
        await bed.PumpUntilAsync(() => a.GetStatus().Nat.Relays.Count == 2, "status to list the relays");
        await bed.RunForAsync(TimeSpan.FromSeconds(4)); // a maintenance round republishes the record
        PeerLookup lookup = await bed.PumpAsync(c.LookUpPeerRecordAsync(a.Id, CancellationToken.None));
        Assert.True(lookup.NatClass == NatClass.PortPreserving, $"{lookup} {string.Join(",", lookup.EndPoints)} relays {lookup.Relays.Count}");
        Assert.Equal(new HashSet<NodeId> { r1.Id, r2.Id }, lookup.Relays.Select(r => r.Id).ToHashSet());
        Assert.Contains(IPEndPoint.Parse("203.0.113.1:47800"), lookup.EndPoints);
    }

    [Fact]
    public async Task Two_nodes_behind_symmetric_nats_connect_through_a_relay_end_to_end()
    {
        await using var bed = new NatTestBed(seed: 2);
        (MeshNode r1, MeshNode r2) = await StartRelaysAsync(bed);
        MeshNode a = await bed.BehindAsync(bed.Nat(NatMappingBehavior.AddressAndPortDependent), 2, r1, r2);
        MeshNode b = await bed.BehindAsync(bed.Nat(NatMappingBehavior.AddressAndPortDependent), 2, r1, r2);
        await WaitForRelaysAsync(bed, a, b);
        Assert.Equal(NatClass.Symmetric, a.GetNatInfo().Class);

        await bed.PumpAsync(a.ConnectAsync(b.LocalId), TimeSpan.FromSeconds(60));

        PeerPath path = Assert.Single(a.GetPeerPaths(), p => p.Id == b.Id);
        Assert.True(path.Relayed, $"{path} sessions {string.Join(",", a.Endpoint.Sessions.Select(s => $"{s.RemoteId.ToShortString()}@{s.RemoteEndPoint}"))} {a.GetNatInfo().Counters}\n{string.Join("\n", bed.Log.Lines)}");
        Assert.Contains(path.Relay!.Value, new[] { r1.Id, r2.Id });
        MeshNode relay = path.Relay == r1.Id ? r1 : r2;
        Assert.Equal(relay.LocalEndPoint, path.EndPoint);
        Assert.True(Assert.Single(b.GetPeerPaths(), p => p.Id == a.Id).Relayed);
        Assert.Equal(1, relay.GetNatInfo().ActiveCircuits);

        await ExchangeAsync(bed, a, b, count: 50);
        Assert.True(relay.GetNatInfo().Counters.RelayedBytes > 50 * 8);

        // The session through the relay is A's and B's own: the handshake proved each identity
        // end to end, and the relay only ever held a session with each of them.
        Session session = b.Endpoint.Sessions.Single(s => s.RemoteId == a.Id);
        Assert.True(RelayAddresses.IsRelayAddress(session.RemoteEndPoint.Address));
        Assert.DoesNotContain(relay.Endpoint.Sessions, s => RelayAddresses.IsRelayAddress(s.RemoteEndPoint.Address));
    }

    [Fact]
    public async Task Two_nodes_behind_port_preserving_nats_end_on_a_direct_path()
    {
        await using var bed = new NatTestBed(seed: 3);
        (MeshNode r1, MeshNode r2) = await StartRelaysAsync(bed);
        InMemoryNat homeB = bed.Nat();
        MeshNode b = await bed.BehindAsync(homeB, 2, r1, r2);
        MeshNode a = await bed.BehindAsync(bed.Nat(), 2, r1, r2);
        await WaitForRelaysAsync(bed, a, b);

        // DHT traffic while they joined may have connected A and B already (two dials crossing are
        // a punch of their own). Close that, and once the flows through the NATs have expired,
        // A's dial to B's reflexive endpoint is filtered and only a punch gets through.
        foreach (Session session in a.Endpoint.Sessions.Where(s => s.RemoteId == b.Id))
        {
            session.Close("test", CloseCode.Application);
        }

        await bed.RunForAsync(TimeSpan.FromSeconds(40));
        long droppedBefore = homeB.Dropped;
        Assert.DoesNotContain(a.GetPeerPaths(), p => p.Id == b.Id);

        await bed.PumpAsync(a.ConnectAsync(b.LocalId), TimeSpan.FromSeconds(60));

        PeerPath path = Assert.Single(a.GetPeerPaths(), p => p.Id == b.Id);
        Assert.False(path.Relayed, $"A: {a.GetNatInfo()} {a.GetNatInfo().Counters} B: {b.GetNatInfo()} {b.GetNatInfo().Counters}");
        Assert.Equal(IPEndPoint.Parse("203.0.113.1:47800"), path.EndPoint);
        Assert.True(homeB.Dropped > droppedBefore, $"{homeB.Dropped} {droppedBefore} {a.GetNatInfo().Counters}"); // the unsolicited dial was filtered
        Assert.True(a.GetNatInfo().Counters.PunchesSucceeded >= 1, $"{a.GetNatInfo().Counters} {b.GetNatInfo().Counters}");
        await ExchangeAsync(bed, a, b, count: 20);
    }

    [Fact]
    public async Task Nodes_behind_one_nat_connect_at_their_lan_addresses()
    {
        await using var bed = new NatTestBed(seed: 4);
        (MeshNode r1, MeshNode r2) = await StartRelaysAsync(bed);
        InMemoryNat home = bed.Nat();
        MeshNode a = await bed.BehindAsync(home, 2, r1, r2);
        MeshNode b = await bed.BehindAsync(home, 3, r1, r2);
        await WaitForRelaysAsync(bed, a, b);

        await bed.PumpAsync(a.ConnectAsync(b.LocalId), TimeSpan.FromSeconds(60));

        PeerPath path = Assert.Single(a.GetPeerPaths(), p => p.Id == b.Id);
        Assert.False(path.Relayed);
        Assert.Equal(IPEndPoint.Parse("10.0.1.3:47800"), path.EndPoint);
    }

    [Fact]
    public async Task A_relayed_session_moves_to_a_direct_path_when_the_nats_allow_it_without_losing_or_reordering_messages()
    {
        await using var bed = new NatTestBed(seed: 5);
        (MeshNode r1, MeshNode r2, InMemoryNat homeA, InMemoryNat homeB, MeshNode a, MeshNode b) = await StartRelayedPairAsync(bed);
        Session before = a.GetReadyConnection(b.Id)!.Session;

        using IChannel<Note> inbox = b.OpenChannel<Note>("test/upgrade");
        var received = new List<int>();
        using IDisposable handler = inbox.OnReceived((_, note, _) =>
        {
            lock (received)
            {
                received.Add(note.Number);
            }

            return ValueTask.CompletedTask;
        });
        using IChannel<Note> outbox = a.OpenChannel<Note>("test/upgrade");
        await bed.PumpUntilAsync(() => a.GetReadyConnection(b.Id)?.TryGetRemoteChannel("test/upgrade", out _) == true, "the channel to be announced");

        // Both routers are switched to port-preserving mapping while messages flow; the relayed pair
        // keeps trying to punch and moves its session to the direct path.
        homeA.Reconfigure(homeA.Options with { Mapping = NatMappingBehavior.EndpointIndependent });
        homeB.Reconfigure(homeB.Options with { Mapping = NatMappingBehavior.EndpointIndependent });
        int sent = 0;
        TimeSpan limit = TimeSpan.FromMinutes(3);
        TimeSpan start = bed.Time.GetElapsedTime(0);
        while (a.GetPeerPaths().Single(p => p.Id == b.Id).Relayed || sent < 60)
        {
            Assert.True(bed.Time.GetElapsedTime(0) - start < limit, $"no direct path within {limit}: {a.GetNatInfo().Counters}");
            await bed.PumpAsync(outbox.SendAsync(b.LocalId, new Note { Number = sent++ }).AsTask());
            await bed.RunForAsync(TimeSpan.FromMilliseconds(250));
        }

        await bed.PumpUntilAsync(() => { lock (received) { return received.Count == sent; } }, "every message to arrive");
        lock (received)
        {
            Assert.Equal(Enumerable.Range(0, sent), received);
        }

        PeerPath path = Assert.Single(a.GetPeerPaths(), p => p.Id == b.Id);
        Assert.False(path.Relayed);
        Assert.Equal(homeB.Options.PublicAddress, path.EndPoint.Address);
        Assert.Same(before, a.GetReadyConnection(b.Id)!.Session); // the same session: the application saw nothing
        await bed.PumpUntilAsync(() => !b.GetPeerPaths().Single(p => p.Id == a.Id).Relayed, "B's side to follow");
        await bed.PumpUntilAsync(() => r1.GetNatInfo().ActiveCircuits + r2.GetNatInfo().ActiveCircuits == 0, "the circuit to be closed");
    }

    [Fact]
    public async Task Connect_on_a_relayed_peer_punches_again_at_once()
    {
        await using var bed = new NatTestBed(seed: 7);
        (_, _, InMemoryNat homeA, InMemoryNat homeB, MeshNode a, MeshNode b) = await StartRelayedPairAsync(bed);
        long attempts = a.GetNatInfo().Counters.PunchesStarted;

        // Straight after the change, before any report or backoff could start a punch.
        homeA.Reconfigure(homeA.Options with { Mapping = NatMappingBehavior.EndpointIndependent });
        homeB.Reconfigure(homeB.Options with { Mapping = NatMappingBehavior.EndpointIndependent });
        await bed.PumpAsync(a.ConnectAsync(b.LocalId), TimeSpan.FromSeconds(10));
        Assert.False(Assert.Single(a.GetPeerPaths(), p => p.Id == b.Id).Relayed, $"{a.GetNatInfo().Counters}");
        Assert.True(a.GetNatInfo().Counters.PunchesStarted > attempts);
    }

    [Fact]
    public async Task Offers_that_cross_still_punch_through()
    {
        await using var bed = new NatTestBed(seed: 9);
        (_, _, InMemoryNat homeA, InMemoryNat homeB, MeshNode a, MeshNode b) = await StartRelayedPairAsync(bed);
        homeA.Reconfigure(homeA.Options with { Mapping = NatMappingBehavior.EndpointIndependent });
        homeB.Reconfigure(homeB.Options with { Mapping = NatMappingBehavior.EndpointIndependent });

        // Both ends offer at the same moment: one must yield and answer, or both time out.
        Task<bool> fromA = a.PunchAsync(b.Id, CancellationToken.None);
        Task<bool> fromB = b.PunchAsync(a.Id, CancellationToken.None);
        await bed.PumpAsync(Task.WhenAll(fromA, fromB), TimeSpan.FromSeconds(15));

        Assert.True(await fromA && await fromB, $"A {a.GetNatInfo().Counters} B {b.GetNatInfo().Counters}");
        Assert.False(Assert.Single(a.GetPeerPaths(), p => p.Id == b.Id).Relayed);
        await ExchangeAsync(bed, a, b, count: 10);
    }

    [Fact]
    public async Task A_relayed_pair_punches_again_as_soon_as_its_nat_changes()
    {
        await using var bed = new NatTestBed(seed: 8);
        (_, _, InMemoryNat homeA, InMemoryNat homeB, MeshNode a, MeshNode b) = await StartRelayedPairAsync(bed);

        homeA.Reconfigure(homeA.Options with { Mapping = NatMappingBehavior.EndpointIndependent });
        homeB.Reconfigure(homeB.Options with { Mapping = NatMappingBehavior.EndpointIndependent });

        // Sooner than the first punch backoff (30 s): the new classification itself starts the punch.
        await bed.PumpUntilAsync(() => !a.GetPeerPaths().Single(p => p.Id == b.Id).Relayed, "the pair to move to a direct path", TimeSpan.FromSeconds(25));
        await ExchangeAsync(bed, a, b, count: 10);
    }

    [Fact]
    public async Task Sessions_survive_a_nat_rebinding()
    {
        await using var bed = new NatTestBed(seed: 6);
        (MeshNode r1, _) = await StartRelaysAsync(bed);
        InMemoryNat home = bed.Nat(filtering: NatFilteringBehavior.AddressAndPortDependent);
        MeshNode a = await bed.BehindAsync(home, 2, r1);
        await bed.PumpUntilAsync(() => r1.GetReadyConnection(a.Id) is not null, "A to join");
        Session session = r1.GetReadyConnection(a.Id)!.Session;
        IPEndPoint old = session.RemoteEndPoint;

        home.Reconfigure(home.Options with { PreservePort = false }); // the router reboots: new ports
        await bed.RunForAsync(TimeSpan.FromSeconds(20)); // A's keepalive reaches R1 from the new port

        Assert.Same(session, r1.GetReadyConnection(a.Id)!.Session);
        Assert.NotEqual(old, session.RemoteEndPoint);
        await ExchangeAsync(bed, r1, a, count: 10);
        await bed.PumpUntilAsync(() => a.GetNatInfo().ReflexiveEndPoint?.Equals(session.RemoteEndPoint) == true, "A to learn its new reflexive endpoint");
    }

    /// <summary>Two relays, and A and B behind symmetric NATs connected through one of them.</summary>
    private static async Task<(MeshNode R1, MeshNode R2, InMemoryNat HomeA, InMemoryNat HomeB, MeshNode A, MeshNode B)> StartRelayedPairAsync(NatTestBed bed)
    {
        (MeshNode r1, MeshNode r2) = await StartRelaysAsync(bed);
        InMemoryNat homeA = bed.Nat(NatMappingBehavior.AddressAndPortDependent);
        InMemoryNat homeB = bed.Nat(NatMappingBehavior.AddressAndPortDependent);
        MeshNode a = await bed.BehindAsync(homeA, 2, r1, r2);
        MeshNode b = await bed.BehindAsync(homeB, 2, r1, r2);
        await WaitForRelaysAsync(bed, a, b);
        await bed.PumpAsync(a.ConnectAsync(b.LocalId), TimeSpan.FromSeconds(60));
        Assert.True(Assert.Single(a.GetPeerPaths(), p => p.Id == b.Id).Relayed);

        // From behind a symmetric NAT, connect does not wait for the dial's punch: let it fail, and
        // let the 2 s pass in which the peer ignores a new offer after a punch ended.
        await bed.RunForAsync(MeshNode.PunchTimeout + TimeSpan.FromSeconds(3));
        Assert.True(Assert.Single(a.GetPeerPaths(), p => p.Id == b.Id).Relayed);
        return (r1, r2, homeA, homeB, a, b);
    }

    internal static async Task<(MeshNode, MeshNode)> StartRelaysAsync(NatTestBed bed, RelayOptions? relay = null)
    {
        MeshNode r1 = await bed.PublicAsync(1, relay);
        MeshNode r2 = await bed.PublicAsync(2, relay, r1);
        return (r1, r2);
    }

    internal static async Task WaitForRelaysAsync(NatTestBed bed, params MeshNode[] nodes)
    {
        await bed.PumpUntilAsync(() => nodes.All(n => n.GetNatInfo().Relays.Count > 0), "the NATed nodes to reserve relays");
        await bed.RunForAsync(TimeSpan.FromSeconds(4)); // their peer records are republished with the relays
    }

    /// <summary>Sends <paramref name="count"/> numbered notes each way and checks every one arrives, in order.</summary>
    internal static async Task ExchangeAsync(NatTestBed bed, MeshNode a, MeshNode b, int count)
    {
        foreach ((MeshNode from, MeshNode to) in new[] { (a, b), (b, a) })
        {
            string name = $"test/nat-{from.Id.ToShortString()}";
            using IChannel<Note> inbox = to.OpenChannel<Note>(name);
            var received = new List<int>();
            using IDisposable handler = inbox.OnReceived((_, note, _) =>
            {
                lock (received)
                {
                    received.Add(note.Number);
                }

                return ValueTask.CompletedTask;
            });
            using IChannel<Note> outbox = from.OpenChannel<Note>(name);
            await bed.PumpUntilAsync(() => from.GetReadyConnection(to.Id)?.TryGetRemoteChannel(name, out _) == true, "the channel to be announced");
            for (int i = 0; i < count; i++)
            {
                await bed.PumpAsync(outbox.SendAsync(to.LocalId, new Note { Number = i, Text = "through the NAT" }).AsTask());
            }

            await bed.PumpUntilAsync(() => { lock (received) { return received.Count == count; } }, $"{count} notes to arrive");
            lock (received)
            {
                Assert.Equal(Enumerable.Range(0, count), received);
            }
        }
    }
}
