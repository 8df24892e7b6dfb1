using MeshHost.Control;
using MeshHost.Mesh;
using MeshHost.Transport;

namespace MeshHost.Host.Tests.Support;

/// <summary>The control API's view of an in-process <see cref="MeshNode"/>, as the host gives it.</summary>
internal sealed class MeshNodeControlAdapter(MeshNode node) : INodeControl
{
    public MeshStatus GetStatus() => node.GetStatus();

    public IReadOnlyList<Mesh.Nat.PeerPath> GetPeers() => node.GetPeerPaths();

    public Task<PeerLookup> FindPeerAsync(NodeId id, CancellationToken cancellationToken) => node.FindPeerAsync(id, cancellationToken);

    public async Task<Mesh.Nat.PeerPath?> ConnectAsync(NodeId id, CancellationToken cancellationToken)
    {
        await node.ConnectAsync(NodeIds.ToPeerId(id), cancellationToken);
        return node.GetPeerPaths().FirstOrDefault(p => p.Id == id);
    }
}
