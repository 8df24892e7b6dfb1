namespace MeshHost.Transport.Testing;

/// <summary>
/// A consistent snapshot of an <see cref="InMemoryNetwork"/>'s counters since its creation. Every
/// sent datagram ends up counted exactly once as delivered or in one of the dropped counters, or
/// is still in flight; a duplicate counts as one more datagram on its own.
/// </summary>
/// <param name="DatagramsSent">Datagrams the sockets sent that fit the link's MTU.</param>
/// <param name="DatagramsDelivered">Datagrams (duplicates included) handed to a receiver.</param>
/// <param name="DroppedByLoss">Datagrams lost to <see cref="LinkConditions.LossRate"/>.</param>
/// <param name="Duplicated">Extra copies made by <see cref="LinkConditions.DuplicateRate"/>.</param>
/// <param name="DroppedByQueueLimit">Datagrams (duplicates included) dropped because the link's queue was full (<see cref="LinkConditions.QueueLimitBytes"/>).</param>
/// <param name="Reordered">Datagrams held back by <see cref="LinkConditions.ReorderDelay"/>.</param>
/// <param name="DroppedByPartition">Datagrams dropped because their link was partitioned when sent or when due.</param>
/// <param name="DroppedNoReceiver">Datagrams that arrived where no started socket was bound.</param>
/// <param name="RejectedTooLarge">Sends refused for exceeding the link's <see cref="LinkConditions.Mtu"/> (not in <paramref name="DatagramsSent"/>).</param>
/// <param name="DatagramsInFlight">Datagrams scheduled and not yet delivered or dropped, at the snapshot.</param>
/// <param name="DroppedByNat">Datagrams a simulated NAT dropped on arrival (no mapping, filtered, expired).</param>
public readonly record struct InMemoryNetworkStatistics(
    long DatagramsSent,
    long DatagramsDelivered,
    long DroppedByLoss,
    long Duplicated,
    long DroppedByQueueLimit,
    long Reordered,
    long DroppedByPartition,
    long DroppedNoReceiver,
    long RejectedTooLarge,
    long DatagramsInFlight,
    long DroppedByNat = 0);
