using MeshHost.Control;
using MeshHost.Mesh;
using MeshHost.Mesh.Nat;
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

    public IReadOnlyList<PeerPath> GetPeers() => _service.Node.GetPeerPaths();

    public Task<PeerLookup> FindPeerAsync(NodeId id, CancellationToken cancellationToken) => _service.Node.FindPeerAsync(id, cancellationToken);

    public async Task<PeerPath?> ConnectAsync(NodeId id, CancellationToken cancellationToken)
    {
        await _service.Node.ConnectAsync(NodeIds.ToPeerId(id), cancellationToken).ConfigureAwait(false);
        return _service.Node.GetPeerPaths().FirstOrDefault(p => p.Id == id);
    }
}
