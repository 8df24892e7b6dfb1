using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using MeshHost.MessagePack;
using MeshHost.Transport;

namespace MeshHost.Mesh.PubSub.Protocol;

/// <summary>Encodes and decodes pubsub frames and builds the bytes a topic message's signature covers.</summary>
internal static class PubSubCodec
{
    /// <summary>The domain tag that starts the signed bytes, so a pubsub signature is never valid for another purpose.</summary>
    public static ReadOnlySpan<byte> DomainTag => "meshhost-pubsub-v1"u8;

    // Frames nest at most frame -> items -> union -> item: depth 16 leaves room for a future field.
    private const int MaxDepth = 16;

    /// <summary>The encoding of <paramref name="frame"/>.</summary>
    public static byte[] Encode(PubSubFrame frame) => MessagePackSerializer.Serialize(frame);

    /// <summary>The encoding of a frame holding the single item <paramref name="item"/>.</summary>
    public static byte[] Encode(PubSubItem item) => Encode(new PubSubFrame { Items = [item] });

    /// <summary>Decodes a frame; null when it is malformed, empty of items or longer than <paramref name="maxBytes"/>.</summary>
    public static PubSubFrame? Decode(ReadOnlySpan<byte> bytes, int maxBytes)
    {
        if (bytes.Length > maxBytes)
        {
            return null;
        }

        try
        {
            PubSubFrame? frame = MessagePackSerializer.Deserialize<PubSubFrame>(bytes, new MessagePackSerializerOptions { MaxInputLength = maxBytes, MaxDepth = MaxDepth });
            if (frame?.Items is null)
            {
                return null;
            }

            foreach (PubSubItem? item in frame.Items)
            {
                if (item is null)
                {
                    return null;
                }
            }

            return frame;
        }
        catch (MessagePackSerializationException)
        {
            return null;
        }
    }

    /// <summary>
    /// Signs a topic message: writes the 64-byte signature of
    /// <see cref="DomainTag"/> || u16 topic length || topic (UTF-8) || u64 seqno || origin key || payload (integers big-endian).
    /// </summary>
    public static byte[] Sign(NodeIdentity identity, string topic, ulong seqno, ReadOnlySpan<byte> payload)
    {
        byte[] signature = new byte[NodeIdentity.SignatureSize];
        byte[] buffer = RentSigned(topic, seqno, identity.PublicKey.Span, payload, out int length);
        try
        {
            identity.Sign(buffer.AsSpan(0, length), signature);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return signature;
    }

    /// <summary>Whether <paramref name="item"/> carries a valid signature by its origin key, whose id is <paramref name="origin"/>.</summary>
    public static bool Verify(SignatureVerifier verifier, NodeId origin, PublishItem item)
    {
        byte[] buffer = RentSigned(item.Topic, item.Seqno, item.OriginKey, item.Payload, out int length);
        try
        {
            return verifier.Verify(origin, item.OriginKey, buffer.AsSpan(0, length), item.Signature);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The UTF-8 length of a topic name (the topic must already be valid UTF-16).</summary>
    public static int TopicBytes(string topic) => Encoding.UTF8.GetByteCount(topic);

    private static byte[] RentSigned(string topic, ulong seqno, ReadOnlySpan<byte> originKey, ReadOnlySpan<byte> payload, out int length)
    {
        int topicBytes = Encoding.UTF8.GetByteCount(topic);
        length = DomainTag.Length + sizeof(ushort) + topicBytes + sizeof(ulong) + originKey.Length + payload.Length;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(length);
        Span<byte> span = buffer;
        DomainTag.CopyTo(span);
        int offset = DomainTag.Length;
        BinaryPrimitives.WriteUInt16BigEndian(span[offset..], checked((ushort)topicBytes));
        offset += sizeof(ushort);
        offset += Encoding.UTF8.GetBytes(topic, span[offset..]);
        BinaryPrimitives.WriteUInt64BigEndian(span[offset..], seqno);
        offset += sizeof(ulong);
        originKey.CopyTo(span[offset..]);
        offset += originKey.Length;
        payload.CopyTo(span[offset..]);
        return buffer;
    }
}
