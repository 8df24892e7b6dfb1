using MeshHost.Sdk;
using MeshHost.Transport;

namespace MeshHost.Mesh;

/// <summary>Converts between the transport's <see cref="NodeId"/> and the SDK's <see cref="PeerId"/> (same 32 bytes).</summary>
internal static class Ids
{
    public static PeerId ToPeerId(this NodeId id)
    {
        Span<byte> bytes = stackalloc byte[NodeId.Size];
        id.WriteTo(bytes);
        return new PeerId(bytes);
    }

    public static NodeId ToNodeId(this PeerId id)
    {
        Span<byte> bytes = stackalloc byte[PeerId.Size];
        id.WriteTo(bytes);
        return new NodeId(bytes);
    }
}
