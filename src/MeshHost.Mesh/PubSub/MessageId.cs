using System.Buffers.Binary;
using MeshHost.Transport;

namespace MeshHost.Mesh.PubSub;

/// <summary>
/// A topic message's id: its origin's node id and the origin's sequence number. Both are covered by
/// the origin's signature (the id is SHA-256 of the signed key), so a relayer cannot give one message
/// a second id; the signature itself is not part of the id because ECDSA signatures are malleable.
/// </summary>
internal readonly record struct MessageId(NodeId Origin, ulong Seqno)
{
    /// <summary>The wire size: 32 bytes of origin id, then the seqno as 8 bytes big-endian.</summary>
    public const int Size = NodeId.Size + sizeof(ulong);

    /// <summary>Reads the id at the start of <paramref name="bytes"/> (at least <see cref="Size"/> bytes).</summary>
    public static MessageId Read(ReadOnlySpan<byte> bytes) =>
        new(new NodeId(bytes[..NodeId.Size]), BinaryPrimitives.ReadUInt64BigEndian(bytes[NodeId.Size..Size]));

    /// <summary>Writes the <see cref="Size"/> bytes of the id.</summary>
    public void WriteTo(Span<byte> destination)
    {
        Origin.WriteTo(destination);
        BinaryPrimitives.WriteUInt64BigEndian(destination[NodeId.Size..], Seqno);
    }

    /// <summary>The origin's short id and the seqno, for logs.</summary>
    public override string ToString() => $"{Origin.ToShortString()}/{Seqno}";
}
