using MeshHost.Dht.Protocol;

namespace MeshHost.Dht;

/// <summary>
/// How a <see cref="DhtNode"/> sends requests: over real transport sessions in the host, over
/// <see cref="Simulation.SimulatedNetwork"/> in tests. The node never touches sockets.
/// </summary>
public interface IDhtRpcClient
{
    /// <summary>
    /// Sends <paramref name="request"/> to <paramref name="to"/> and returns its response. Returns
    /// null (or throws) when the node did not answer, could not be reached, or proved to be a
    /// different node than <paramref name="to"/>.<see cref="DhtContact.Id"/> (unless that id is
    /// <c>default</c>). The node applies its own timeout through <paramref name="cancellationToken"/>;
    /// an implementation must complete promptly once it is cancelled.
    /// </summary>
    ValueTask<DhtResponse?> SendAsync(DhtContact to, DhtRequest request, CancellationToken cancellationToken);
}

/// <summary>The inbound side of the seam: what the transport calls when a request arrives.</summary>
public interface IDhtRequestHandler
{
    /// <summary>
    /// Answers <paramref name="request"/> from <paramref name="from"/>, whose id the transport has
    /// authenticated. Synchronous and never throws for bad input: a malformed request gets a
    /// <see cref="ErrorResponse"/>.
    /// </summary>
    DhtResponse Handle(DhtContact from, DhtRequest request);
}
