using MeshHost.Sdk;
using MeshHost.Transport;

namespace MeshHost.Control;

/// <summary>Conversions between the transport's <see cref="NodeId"/> and the SDK's <see cref="PeerId"/>: the same 32 bytes.</summary>
internal static class NodeIds
{
    public static PeerId ToPeerId(NodeId id)
    {
        Span<byte> bytes = stackalloc byte[NodeId.Size];
        id.WriteTo(bytes);
        return new PeerId(bytes);
    }

    public static NodeId ToNodeId(PeerId id)
    {
        Span<byte> bytes = stackalloc byte[PeerId.Size];
        id.WriteTo(bytes);
        return new NodeId(bytes);
    }

    /// <summary>The message for an argument that is not an id, shared by the CLI and the API.</summary>
    public static string NotAnId(string? value) => $"'{value}' is not a node id: a node id is {NodeId.Size * 2} hex digits.";
}
