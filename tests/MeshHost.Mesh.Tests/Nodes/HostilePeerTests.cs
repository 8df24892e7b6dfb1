using MeshHost.Dht.Protocol;
using MeshHost.Dht.Records;
using MeshHost.Mesh.Connections;
using MeshHost.Mesh.Protocol;
using MeshHost.MessagePack;
using MeshHost.Transport;

namespace MeshHost.Mesh.Tests.Nodes;

/// <summary>A peer that speaks the mesh protocol badly: every case ends in a closed session or a dropped message, never a fault.</summary>
public sealed class HostilePeerTests
{
    public static TheoryData<string, byte[]> BadControlMessages => new()
    {
        { "a second HELLO", MessagePackSerializer.Serialize<ControlMessage>(new HelloMessage { Version = MeshNode.ProtocolVersion }) },
        { "HELLO of another version", MessagePackSerializer.Serialize<ControlMessage>(new HelloMessage { Version = 99 }) },
        { "CHANNELS-OPENED with nil entries", [0x92, 0x01, 0x91, 0xc0] },
        { "CHANNELS-OPENED with a nil entry", [0x92, 0x01, 0x91, 0x91, 0xc0] },
        { "CHANNELS-CLOSED with nil ids", [0x92, 0x02, 0x91, 0xc0] },
        { "an unknown union case", [0x92, 0x09, 0x90] },
        { "bytes that are not MessagePack", [0xc1, 0xc1] },
    };

    [Theory]
    [MemberData(nameof(BadControlMessages))]
    public async Task A_bad_control_message_closes_the_session_as_a_protocol_violation(string what, byte[] message)
    {
        await using var mesh = new TestNodes();
        MeshNode a = await mesh.StartAsync();
        MeshNode b = await mesh.StartAsync(a);
        Session fromB = b.GetReadyConnection(a.Id)!.Session;
        Session atA = a.GetReadyConnection(b.Id)!.Session;

        fromB.TrySend(MeshChannels.Control, DeliveryMethod.ReliableOrdered, message);

        await TestNodes.WaitUntilAsync(() => atA.CloseReason is not null, $"a to close the session after {what}");
        Assert.Equal(CloseCode.ProtocolViolation, atA.CloseReason!.Code);
        Assert.Equal(0, a.Endpoint.Statistics.HandlerFaults);
    }

    [Fact]
    public async Task A_peer_cannot_fill_the_channel_table_or_claim_reserved_ids()
    {
        await using var mesh = new TestNodes();
        MeshNode a = await mesh.StartAsync();
        MeshNode b = await mesh.StartAsync(a);
        Session before = a.GetReadyConnection(b.Id)!.Session;
        var entries = new ChannelEntry[2_000]; // about 30 KB: inside the control message limit, so it is applied, not refused

        for (int i = 0; i < entries.Length; i++)
        {
            entries[i] = new ChannelEntry { Name = $"junk/{i}", Id = (byte)(i % 256) };
        }

        entries[0] = new ChannelEntry { Name = "reserved", Id = MeshChannels.Dht };
        entries[1] = new ChannelEntry { Name = new string('x', 200), Id = MeshChannels.FirstNamed };
        b.GetReadyConnection(a.Id)!.Session.TrySend(
            MeshChannels.Control,
            DeliveryMethod.ReliableOrdered,
            MessagePackSerializer.Serialize<ControlMessage>(new ChannelsOpenedMessage { Channels = entries }));
        PeerConnection atA = a.GetReadyConnection(b.Id)!;
        int Known() => Enumerable.Range(0, entries.Length).Count(i => atA.TryGetRemoteChannel($"junk/{i}", out _));
        await TestNodes.WaitUntilAsync(() => Known() > 0, "a to apply the announcement"); // applied as one step

        Assert.Same(before, atA.Session);
        Assert.False(atA.TryGetRemoteChannel("reserved", out _));
        Assert.False(atA.TryGetRemoteChannel(new string('x', 200), out _));
        Assert.InRange(Known(), 1, PeerConnection.MaxRemoteChannels);
    }

    [Fact]
    public async Task A_provider_record_with_nil_addresses_does_not_break_provider_lookups()
    {
        await using var mesh = new TestNodes();
        MeshNode seed = await mesh.StartAsync();
        MeshNode liar = await mesh.StartAsync(seed);
        MeshNode honest = await mesh.StartAsync(seed);
        MeshNode asker = await mesh.StartAsync(seed);
        byte[] key = "contested"u8.ToArray();

        // The liar signs a provider record whose value has nil where the address list belongs.
        NodeId recordKey = ContentKey(key);
        WireRecord record = DhtRecords.CreateProvider(liar.Dht.Identity!, recordKey, new PeerInfo { EndPoints = null! }, DateTimeOffset.UtcNow, TimeSpan.FromHours(1));
        Assert.True(await liar.Dht.StoreAsync(record).WaitAsync(TestNodes.Timeout) > 0);
        Assert.True(await honest.ProvideAsync(key).WaitAsync(TestNodes.Timeout) > 0);

        IReadOnlyList<Sdk.PeerId> providers = await asker.FindProvidersAsync(key).WaitAsync(TestNodes.Timeout);
        Assert.Contains(honest.LocalId, providers);
    }

    [Fact]
    public async Task A_flood_of_dht_requests_is_rate_limited_and_counted_and_the_node_still_answers()
    {
        await using var mesh = new TestNodes();
        MeshNode victim = await mesh.StartAsync();
        MeshNode flooder = await mesh.StartAsync(victim);
        MeshNode honest = await mesh.StartAsync(victim);
        Session raw = flooder.GetReadyConnection(victim.Id)!.Session;
        for (ulong i = 0; i < 2_000; i++)
        {
            byte[] ping = [0, .. DhtCodec.Encode(new PingRequest { RequestId = i })];
            raw.TrySend(MeshChannels.Dht, DeliveryMethod.ReliableUnordered, ping);
        }

        await TestNodes.WaitUntilAsync(() => victim.Counters.DroppedRateLimited >= 1_000, "the victim to drop most of the flood");
        PeerLookup lookup = await honest.FindPeerAsync(flooder.Id).WaitAsync(TestNodes.Timeout);
        Assert.True(lookup.Found);
    }

    private static NodeId ContentKey(byte[] key)
    {
        byte[] tagged = [.. "meshhost-content-v1"u8, .. key];
        return new NodeId(System.Security.Cryptography.SHA256.HashData(tagged));
    }
}
