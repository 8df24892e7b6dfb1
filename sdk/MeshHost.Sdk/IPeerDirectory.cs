namespace MeshHost.Sdk;

/// <summary>One connected peer, as <see cref="IPeerDirectory.Connected"/> lists it.</summary>
/// <param name="Id">The peer's authenticated id.</param>
/// <param name="EndPoint">The address its session runs over, as <c>host:port</c>.</param>
/// <param name="RoundTripTime">The session's smoothed round-trip time.</param>
/// <param name="ConnectedFor">How long the session has been up.</param>
/// <param name="Outbound">True when this node dialled the peer.</param>
public sealed record ConnectedPeer(PeerId Id, string EndPoint, TimeSpan RoundTripTime, TimeSpan ConnectedFor, bool Outbound);

/// <summary>The peers this node has sessions with, and their comings and goings.</summary>
/// <remarks>Events are raised on a network thread: handlers must be quick and must not throw (exceptions are logged and dropped).</remarks>
public interface IPeerDirectory
{
    /// <summary>A snapshot of the connected peers.</summary>
    IReadOnlyList<ConnectedPeer> Connected { get; }

    /// <summary>A session with a peer was established and the peer exchanged its channel table.</summary>
    event Action<PeerId>? PeerJoined;

    /// <summary>The session with a peer ended.</summary>
    event Action<PeerId>? PeerLeft;

    /// <summary>
    /// Connects to <paramref name="peer"/> unless already connected: via a live session, else the
    /// address the DHT's peer record gives, else an address learned from discovery.
    /// </summary>
    /// <exception cref="MeshException">The peer could not be reached (<see cref="MeshError.PeerUnreachable"/>).</exception>
    Task ConnectAsync(PeerId peer, CancellationToken cancellationToken = default);
}
