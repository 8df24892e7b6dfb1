using MeshHost.Mesh;
using MeshHost.Sdk;
using MeshHost.Transport;

namespace MeshHost.Control;

/// <summary>What the control API asks of the node: a seam so its tests run against a fake without sockets.</summary>
internal interface INodeControl
{
    /// <summary>A snapshot of the node.</summary>
    MeshStatus GetStatus();

    /// <summary>The connected peers and their paths.</summary>
    IReadOnlyList<Mesh.Nat.PeerPath> GetPeers();

    /// <summary>Looks a node up: its session, else its peer record in the DHT.</summary>
    Task<PeerLookup> FindPeerAsync(NodeId id, CancellationToken cancellationToken);

    /// <summary>Connects to a node by id (a no-op when connected) and says which path sends take now.</summary>
    /// <returns>The path, or null when the session closed again at once.</returns>
    /// <exception cref="MeshException">The node could not be reached.</exception>
    Task<Mesh.Nat.PeerPath?> ConnectAsync(NodeId id, CancellationToken cancellationToken);
}
