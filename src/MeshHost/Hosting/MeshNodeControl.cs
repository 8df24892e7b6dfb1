using MeshHost.Control;
using MeshHost.Mesh;
using MeshHost.Sdk;
using MeshHost.Transport;

namespace MeshHost.Hosting;

/// <summary>The control API's view of the real node.</summary>
internal sealed class MeshNodeControl : INodeControl
{
    private readonly MeshNodeService _service;

    public MeshNodeControl(MeshNodeService service)
    {
        _service = service;
    }

    public MeshStatus GetStatus() => _service.Node.GetStatus();

    public IReadOnlyList<ConnectedPeer> GetPeers() => _service.Node.Connected;

    public Task<PeerLookup> FindPeerAsync(NodeId id, CancellationToken cancellationToken) => _service.Node.FindPeerAsync(id, cancellationToken);

    public Task ConnectAsync(NodeId id, CancellationToken cancellationToken) => _service.Node.ConnectAsync(NodeIds.ToPeerId(id), cancellationToken);
}
