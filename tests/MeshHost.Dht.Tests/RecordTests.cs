using MeshHost.Dht.Protocol;
using MeshHost.Dht.Records;
using MeshHost.Transport;

namespace MeshHost.Dht.Tests;

public sealed class RecordTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly NodeIdentity _alice = NodeIdentity.Generate();
    private readonly NodeIdentity _mallory = NodeIdentity.Generate();
    private readonly DhtOptions _options = new();

    public void Dispose()
    {
        _alice.Dispose();
        _mallory.Dispose();
    }

    private RecordVerdict Check(WireRecord record) => new RecordValidator(_options).Validate(record, Now);

    [Fact]
    public void Well_formed_records_of_every_kind_are_valid_and_round_trip()
    {
        WireRecord peer = DhtRecords.CreatePeer(_alice, new PeerInfo { NatStatus = (byte)NatStatus.Public }, Now, TimeSpan.FromHours(1));
        WireRecord provider = DhtRecords.CreateProvider(_alice, NodeId.Random(new Random(1)), new PeerInfo(), Now, TimeSpan.FromHours(1));
        WireRecord value = DhtRecords.CreateValue(_alice, "chat", "topic", [1, 2, 3], Now, TimeSpan.FromHours(1));
        foreach (WireRecord record in new[] { peer, provider, value })
        {
            Assert.Equal(RecordVerdict.Valid, Check(record));
            var request = new StoreRequest { RequestId = 7, Record = record };
            var decoded = (StoreRequest)DhtCodec.DecodeRequest(DhtCodec.Encode(request), _options.MaxMessageBytes)!;
            Assert.Equal(RecordVerdict.Valid, Check(decoded.Record!));
        }
    }

    [Fact]
    public void Forged_signature_is_refused()
    {
        WireRecord record = DhtRecords.CreateValue(_alice, "chat", "topic", [1, 2, 3], Now, TimeSpan.FromHours(1));
        Assert.Equal(RecordVerdict.BadSignature, Check(record with { Value = [1, 2, 4] }));
        byte[] signature = (byte[])record.Signature.Clone();
        signature[5] ^= 1;
        Assert.Equal(RecordVerdict.BadSignature, Check(record with { Signature = signature }));
    }

    [Fact]
    public void Record_under_someone_elses_key_is_refused()
    {
        // Mallory signs a peer record claiming Alice's id, and a value under Alice's value key.
        WireRecord peer = DhtRecords.CreatePeer(_mallory, new PeerInfo(), Now, TimeSpan.FromHours(1));
        Assert.Equal(RecordVerdict.WrongPublisher, Check(Resign(peer with { Key = _alice.Id.ToArray() }, _mallory)));
        WireRecord value = DhtRecords.CreateValue(_mallory, "chat", "topic", [1], Now, TimeSpan.FromHours(1));
        Assert.Equal(RecordVerdict.WrongPublisher, Check(Resign(value with { Key = DhtRecords.ValueKey("chat", _alice.Id, "topic").ToArray() }, _mallory)));
    }

    [Fact]
    public void Expired_future_and_overlong_records_are_refused()
    {
        Assert.Equal(RecordVerdict.Expired, Check(DhtRecords.CreatePeer(_alice, new PeerInfo(), Now - TimeSpan.FromHours(2), TimeSpan.FromHours(1))));
        Assert.Equal(RecordVerdict.Expired, Check(DhtRecords.CreatePeer(_alice, new PeerInfo(), Now + TimeSpan.FromHours(1), TimeSpan.FromHours(1))));
        Assert.Equal(RecordVerdict.Expired, Check(DhtRecords.CreatePeer(_alice, new PeerInfo(), Now, TimeSpan.FromDays(30))));
    }

    [Fact]
    public void Oversized_records_are_refused()
    {
        Assert.Equal(RecordVerdict.Oversized, Check(DhtRecords.CreateValue(_alice, "chat", "topic", new byte[_options.MaxRecordValueBytes + 1], Now, TimeSpan.FromHours(1))));
        Assert.Equal(RecordVerdict.Oversized, Check(DhtRecords.CreateValue(_alice, new string('n', 65), "topic", [1], Now, TimeSpan.FromHours(1))));
    }

    [Fact]
    public void Malformed_records_are_refused()
    {
        WireRecord record = DhtRecords.CreatePeer(_alice, new PeerInfo(), Now, TimeSpan.FromHours(1));
        Assert.Equal(RecordVerdict.Malformed, Check(record with { Key = [1, 2] }));
        Assert.Equal(RecordVerdict.Malformed, Check(record with { Kind = 9 }));
        Assert.Equal(RecordVerdict.Malformed, new RecordValidator(_options).Validate(null, Now));
    }

    [Fact]
    public void Oversized_message_is_refused_on_decode()
    {
        var request = new FindNodeRequest { Target = new byte[20_000] };
        Assert.Null(DhtCodec.DecodeRequest(DhtCodec.Encode(request), 16 * 1024));
        Assert.Null(DhtCodec.DecodeRequest([0xc1, 0x00], 16 * 1024));
    }

    [Fact]
    public void Store_limits_bound_memory()
    {
        var options = new DhtOptions { MaxStoredRecords = 5, MaxProvidersPerKey = 2, MaxRecordsPerPublisher = 3 };
        var store = new RecordStore(options);
        long nowMs = Now.ToUnixTimeMilliseconds();
        NodeId content = NodeId.Random(new Random(3));
        using NodeIdentity bob = NodeIdentity.Generate();

        Assert.True(store.Put(DhtRecords.CreateProvider(_alice, content, new PeerInfo(), Now, TimeSpan.FromHours(1)), nowMs));
        Assert.True(store.Put(DhtRecords.CreateProvider(bob, content, new PeerInfo(), Now, TimeSpan.FromHours(1)), nowMs));
        Assert.False(store.Put(DhtRecords.CreateProvider(_mallory, content, new PeerInfo(), Now, TimeSpan.FromHours(1)), nowMs)); // per key

        // The same provider again replaces its own record rather than adding one.
        Assert.True(store.Put(DhtRecords.CreateProvider(_alice, content, new PeerInfo(), Now + TimeSpan.FromMinutes(1), TimeSpan.FromHours(1)), nowMs));
        Assert.Equal(2, store.Count);

        Assert.True(store.Put(DhtRecords.CreateValue(_alice, "ns", "a", [1], Now, TimeSpan.FromHours(1)), nowMs));
        Assert.True(store.Put(DhtRecords.CreateValue(_alice, "ns", "b", [1], Now, TimeSpan.FromHours(1)), nowMs));
        Assert.False(store.Put(DhtRecords.CreateValue(_alice, "ns", "c", [1], Now, TimeSpan.FromHours(1)), nowMs)); // per publisher
        Assert.True(store.Put(DhtRecords.CreateValue(_mallory, "ns", "a", [1], Now, TimeSpan.FromHours(1)), nowMs));
        Assert.False(store.Put(DhtRecords.CreateValue(_mallory, "ns", "b", [1], Now, TimeSpan.FromHours(1)), nowMs)); // total
        Assert.Equal(5, store.Count);

        // Expired records free their space.
        store.PurgeAll(nowMs + (long)TimeSpan.FromHours(2).TotalMilliseconds);
        Assert.Equal(0, store.Count);
    }

    private static WireRecord Resign(WireRecord record, NodeIdentity signer)
    {
        byte[] signature = new byte[NodeIdentity.SignatureSize];
        signer.Sign(DhtRecords.SignedBytes(record), signature);
        return record with { Signature = signature };
    }
}
