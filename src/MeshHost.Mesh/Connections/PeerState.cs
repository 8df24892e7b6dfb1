namespace MeshHost.Mesh.Connections;

/// <summary>
/// Every session with one peer (two when both sides dialled at once) and the one sends go on: the
/// ready session whose initiator has the lower node id, a rule both sides compute alike.
/// </summary>
internal sealed class PeerState
{
    public List<PeerConnection> Connections { get; } = new(2);

    public PeerConnection? Primary { get; set; }

    public bool WasReady { get; set; }
}
