using MeshHost.MessagePack;
using MeshHost.Plugins.FileShare.Protocol;

namespace MeshHost.Plugins.FileShare.Tests;

public sealed class BlockDataTests
{
    [Fact]
    public void A_response_with_pooled_blocks_has_the_same_encoding_as_with_a_plain_array()
    {
        byte[] bytes = new byte[256 * 1024];
        new Random(7).NextBytes(bytes);
        byte[] proofs = [1, 2, 3];
        byte[] plain = MessagePackSerializer.Serialize(new BlockResponse { Status = 0, Data = BlockData.Wrap(bytes), Proofs = proofs });

        BlockData sending = BlockData.RentForSending(bytes.Length);
        bytes.CopyTo(sending.Writable);
        byte[] pooled = MessagePackSerializer.Serialize(new BlockResponse { Status = 0, Data = sending, Proofs = proofs });

        Assert.Equal(plain, pooled);
        BlockResponse read = MessagePackSerializer.Deserialize<BlockResponse>(pooled)!;
        Assert.Equal(bytes, read.Data.Span.ToArray());
        Assert.Equal(proofs, read.Proofs);
        read.Data.Dispose();
        Assert.Equal(0, read.Data.Length);
    }

    [Fact]
    public void Blocks_rented_for_sending_are_released_once_serialized_and_a_second_encoding_carries_no_bytes()
    {
        BlockData sending = BlockData.RentForSending(100);
        sending.Writable.Fill(0xAB);
        var response = new BlockResponse { Status = 0, Data = sending };

        BlockResponse first = MessagePackSerializer.Deserialize<BlockResponse>(MessagePackSerializer.Serialize(response))!;
        BlockResponse second = MessagePackSerializer.Deserialize<BlockResponse>(MessagePackSerializer.Serialize(response))!;

        Assert.Equal(Enumerable.Repeat((byte)0xAB, 100), first.Data.Span.ToArray());
        Assert.Equal(0, sending.Length);
        Assert.Equal(0, second.Data.Length);
    }

    [Fact]
    public void Wrapped_blocks_are_not_released_by_serializing_and_nil_reads_as_empty()
    {
        byte[] bytes = [1, 2, 3];
        var response = new BlockResponse { Status = 0, Data = BlockData.Wrap(bytes) };

        MessagePackSerializer.Serialize(response);
        BlockResponse again = MessagePackSerializer.Deserialize<BlockResponse>(MessagePackSerializer.Serialize(response))!;

        Assert.Equal(bytes, response.Data.Span.ToArray());
        Assert.Equal(bytes, again.Data.Span.ToArray());

        // [Status, nil, nil]: a peer sending nil data gets empty data, not a crash.
        BlockResponse nil = MessagePackSerializer.Deserialize<BlockResponse>(new byte[] { 0x93, 0x00, 0xC0, 0xC0 })!;
        Assert.Equal(0, nil.Data.Length);
    }
}
