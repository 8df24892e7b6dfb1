using MeshHost.Dht.Protocol;

namespace MeshHost.Dht;

/// <summary>What an iterative lookup found, with the figures the benchmark reports.</summary>
/// <param name="Closest">Up to k nodes that answered, closest to the target first.</param>
/// <param name="Records">Valid records found (FIND_VALUE), newest first; empty for FIND_NODE.</param>
/// <param name="Hops">
/// Rounds of the lookup needed to reach its answer: the hop depth of the closest node (FIND_NODE)
/// or of the first node that returned a record (FIND_VALUE). A contact from our own table is hop 1,
/// one learned from a hop-h node is hop h + 1.
/// </param>
/// <param name="Rpcs">Requests sent.</param>
/// <param name="Failures">Requests that timed out or were answered with garbage.</param>
public sealed record LookupResult(IReadOnlyList<DhtContact> Closest, IReadOnlyList<WireRecord> Records, int Hops, int Rpcs, int Failures);
