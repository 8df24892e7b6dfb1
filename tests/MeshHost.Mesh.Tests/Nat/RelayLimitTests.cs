using MeshHost.Mesh.Connections;
using MeshHost.Mesh.Nat;
using MeshHost.Mesh.Protocol;
using MeshHost.Mesh.Tests.Nodes;
using MeshHost.Transport;
using MeshHost.Sdk;
using MeshHost.Transport.Testing;

namespace MeshHost.Mesh.Tests.Nat;

/// <summary>A relay's limits: circuits, bandwidth and lifetime (docs/nat.md).</summary>
public sealed class RelayLimitTests
{
    [Fact]
    public async Task A_relay_refuses_circuits_beyond_its_limit_with_a_reason()
    {
        await using var bed = new NatTestBed(seed: 11);
        (MeshNode relay, MeshNode b, MeshNode a) = await StartAsync(bed, new RelayOptions { MaxCircuits = 1 });
        MeshNode c = await bed.BehindAsync(bed.Nat(NatMappingBehavior.AddressAndPortDependent), 2, relay);
        await NatTraversalTests.WaitForRelaysAsync(bed, c);

        await bed.PumpAsync(a.ConnectAsync(b.LocalId), TimeSpan.FromSeconds(60));
        Assert.Equal(1, relay.GetNatInfo().ActiveCircuits);

        Task refused = c.ConnectAsync(b.LocalId);
        await bed.PumpUntilAsync(() => refused.IsCompleted, "C's dial to end", TimeSpan.FromSeconds(60));
        MeshException error = await Assert.ThrowsAsync<MeshException>(() => refused);
        Assert.Equal(MeshError.PeerUnreachable, error.Error);
        Assert.Contains("relay circuit limit reached", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, relay.GetNatInfo().Counters.CircuitsRefused);
        Assert.Equal(1, relay.GetNatInfo().ActiveCircuits);
    }

    [Fact]
    public async Task A_circuit_over_its_bandwidth_drops_datagrams_and_the_session_still_delivers_everything()
    {
        await using var bed = new NatTestBed(seed: 12);
        (MeshNode relay, MeshNode b, MeshNode a) = await StartAsync(bed, new RelayOptions { MaxBytesPerSecondPerCircuit = 8192 });
        await bed.PumpAsync(a.ConnectAsync(b.LocalId), TimeSpan.FromSeconds(60));

        await SendBurstAsync(bed, a, b, "test/bulk");
        Assert.True(relay.GetNatInfo().Counters.RelayDroppedRateLimited > 0);
    }

    [Fact]
    public async Task A_circuit_is_closed_at_the_end_of_its_lifetime_with_the_session_through_it()
    {
        await using var bed = new NatTestBed(seed: 13);
        (MeshNode relay, MeshNode b, MeshNode a) = await StartAsync(bed, new RelayOptions { MaxCircuitDuration = TimeSpan.FromSeconds(20) });
        await bed.PumpAsync(a.ConnectAsync(b.LocalId), TimeSpan.FromSeconds(60));
        Assert.Equal(1, relay.GetNatInfo().ActiveCircuits);

        await bed.PumpUntilAsync(() => relay.GetNatInfo().ActiveCircuits == 0, "the circuit to expire", TimeSpan.FromSeconds(40));
        await bed.PumpUntilAsync(() => a.GetReadyConnection(b.Id) is null && b.GetReadyConnection(a.Id) is null, "the relayed session to close on both ends");
    }

    [Fact]
    public async Task The_relay_wide_byte_budget_holds_whatever_the_circuits_allow()
    {
        await using var bed = new NatTestBed(seed: 14);
        (MeshNode relay, MeshNode b, MeshNode a) = await StartAsync(bed, new RelayOptions { MaxBytesPerSecond = 32768 });
        await bed.PumpAsync(a.ConnectAsync(b.LocalId), TimeSpan.FromSeconds(60));

        await SendBurstAsync(bed, a, b, "test/budget");
        Assert.True(relay.GetNatInfo().Counters.RelayDroppedRateLimited > 0); // the per-circuit cap (1 MiB/s) never bit
    }

    [Fact]
    public async Task A_requester_gets_a_few_circuits_and_circuits_that_carry_nothing_are_reclaimed()
    {
        await using var bed = new NatTestBed(seed: 15);
        (MeshNode relay, MeshNode b, MeshNode a) = await StartAsync(bed, new RelayOptions());

        // A hostile requester asks for circuit after circuit to B and never shakes hands through them.
        PeerConnection leg = a.GetReadyConnection(relay.Id) ?? await bed.PumpAsync(a.GetOrDialAsync(relay.Id, CancellationToken.None));
        uint picker = a.Id < relay.Id ? 0u : 0x8000_0000u;
        for (uint i = 1; i <= MeshNode.MaxCircuitsPerPeer + 2; i++)
        {
            leg.Session.TrySend(MeshChannels.Nat, DeliveryMethod.ReliableOrdered, NatCodec.CircuitWithNode(NatMessageType.CircuitConnect, 1000 + i | picker, b.Id));
        }

        await bed.PumpUntilAsync(() => relay.GetNatInfo().Counters.CircuitsRefused == 2, "the requests beyond the per-peer cap to be refused");
        Assert.Equal(MeshNode.MaxCircuitsPerPeer, relay.GetNatInfo().ActiveCircuits);

        // Nothing flows through them: they are reclaimed, and the relay serves others again.
        await bed.PumpUntilAsync(() => relay.GetNatInfo().ActiveCircuits == 0, "the unused circuits to be reclaimed", MeshNode.RelayIdleTimeout + TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Legs_that_carry_a_circuit_are_not_pruned_as_idle()
    {
        await using var bed = new NatTestBed(seed: 16);
        bed.Configure = o => o with { IdleConnectionTimeout = TimeSpan.FromSeconds(20) };
        (MeshNode relay, MeshNode b, _) = await StartAsync(bed, new RelayOptions());

        // A holds no reservation with the relay, so only the circuit keeps its leg in use.
        bed.Configure = o => o with { IdleConnectionTimeout = TimeSpan.FromSeconds(20), Relay = new RelayOptions { RelaysToUse = 0 } };
        MeshNode a = await bed.BehindAsync(bed.Nat(NatMappingBehavior.AddressAndPortDependent), 3, relay);
        bed.Configure = null;
        await bed.PumpAsync(a.ConnectAsync(b.LocalId), TimeSpan.FromSeconds(60));
        PeerConnection relayed = a.GetReadyConnection(b.Id)!;
        Assert.True(relayed.IsRelayed);

        using IChannel<Note> inbox = b.OpenChannel<Note>("test/idle");
        int received = 0;
        using IDisposable handler = inbox.OnReceived((_, note, _) =>
        {
            Interlocked.Increment(ref received);
            return ValueTask.CompletedTask;
        });
        using IChannel<Note> outbox = a.OpenChannel<Note>("test/idle");
        await bed.PumpUntilAsync(() => a.GetReadyConnection(b.Id)?.TryGetRemoteChannel("test/idle", out _) == true, "the channel to be announced");
        for (int i = 0; i < 12; i++)
        {
            await bed.PumpAsync(outbox.SendAsync(b.LocalId, new Note { Number = i }).AsTask());
            await bed.RunForAsync(TimeSpan.FromSeconds(5));
        }

        await bed.PumpUntilAsync(() => Volatile.Read(ref received) == 12, "every note to arrive");
        Assert.Same(relayed, a.GetReadyConnection(b.Id)); // one minute of use, three idle timeouts: the same relayed session
    }

    /// <summary>Sends 16 notes of 4,000 bytes at once from A to B (64 KB, well over a small rate limit's one-second burst) and waits for every one.</summary>
    private static async Task SendBurstAsync(NatTestBed bed, MeshNode a, MeshNode b, string name)
    {
        using IChannel<Note> inbox = b.OpenChannel<Note>(name);
        int received = 0;
        using IDisposable handler = inbox.OnReceived((_, note, _) =>
        {
            Interlocked.Increment(ref received);
            return ValueTask.CompletedTask;
        });
        using IChannel<Note> outbox = a.OpenChannel<Note>(name);
        await bed.PumpUntilAsync(() => a.GetReadyConnection(b.Id)?.TryGetRemoteChannel(name, out _) == true, "the channel to be announced");
        byte[] blob = new byte[4000];
        for (int i = 0; i < 16; i++)
        {
            await bed.PumpAsync(outbox.SendAsync(b.LocalId, new Note { Number = i, Blob = blob }).AsTask());
        }

        await bed.PumpUntilAsync(() => Volatile.Read(ref received) == 16, "every message to arrive", TimeSpan.FromMinutes(2));
    }

    /// <summary>One relay (a second public node that does not relay makes it public), B and A behind symmetric NATs.</summary>
    private static async Task<(MeshNode Relay, MeshNode B, MeshNode A)> StartAsync(NatTestBed bed, RelayOptions relayOptions)
    {
        MeshNode relay = await bed.PublicAsync(1, relayOptions);
        await bed.PublicAsync(2, new RelayOptions { Serve = RelayServeMode.Off }, relay);
        MeshNode b = await bed.BehindAsync(bed.Nat(NatMappingBehavior.AddressAndPortDependent), 2, relay);
        MeshNode a = await bed.BehindAsync(bed.Nat(NatMappingBehavior.AddressAndPortDependent), 2, relay);
        await NatTraversalTests.WaitForRelaysAsync(bed, a, b);
        return (relay, b, a);
    }
}
