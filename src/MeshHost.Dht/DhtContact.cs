using System.Net;
using MeshHost.Transport;

namespace MeshHost.Dht;

/// <summary>
/// A node the DHT can talk to: its id and the UDP endpoint where it was last reached. An id of
/// <c>default</c> means "unknown" (a seed given only by address); the RPC seam then learns the id
/// from the authenticated session.
/// </summary>
/// <param name="Id">The node's id (SHA-256 of its identity key).</param>
/// <param name="EndPoint">Where the node listens.</param>
public readonly record struct DhtContact(NodeId Id, IPEndPoint EndPoint)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Id.ToShortString()}@{EndPoint}";
}
