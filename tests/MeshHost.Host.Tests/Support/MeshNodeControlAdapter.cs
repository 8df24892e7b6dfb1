using MeshHost.Control;
using MeshHost.Mesh;
using MeshHost.Sdk;
using MeshHost.Transport;

namespace MeshHost.Host.Tests.Support;

/// <summary>The control API's view of an in-process <see cref="MeshNode"/>, as the host gives it.</summary>
internal sealed class MeshNodeControlAdapter(MeshNode node) : INodeControl
{
    public MeshStatus GetStatus() => node.GetStatus();

    public IReadOnlyList<ConnectedPeer> GetPeers() => node.Connected;

    public Task<PeerLookup> FindPeerAsync(NodeId id, CancellationToken cancellationToken) => node.FindPeerAsync(id, cancellationToken);

    public Task ConnectAsync(NodeId id, CancellationToken cancellationToken) => node.ConnectAsync(NodeIds.ToPeerId(id), cancellationToken);
}
