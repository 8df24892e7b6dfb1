using MeshHost.MessagePack;

namespace MeshHost.Sdk;

/// <summary>
/// Handles one message that arrived on a channel or topic.
/// </summary>
/// <typeparam name="T">The message type.</typeparam>
/// <param name="from">Who sent it: the authenticated peer for a channel, the signed origin for a topic.</param>
/// <param name="message">The decoded message.</param>
/// <param name="cancellationToken">Cancelled when the node, the channel or the subscription stops.</param>
public delegate ValueTask MessageHandler<in T>(PeerId from, T message, CancellationToken cancellationToken);

/// <summary>
/// A named, typed point-to-point channel, opened with <see cref="IMesh.OpenChannel{T}"/>. Messages are
/// MessagePack (the type is a <c>[MessagePackObject]</c> partial type; the source generator writes its
/// formatter). Dispose it to close the channel: peers then drop and count what they still send.
/// </summary>
/// <remarks>
/// Thread-safe. Handlers run one message at a time per channel, in arrival order, on a worker
/// rather than the network thread, so a slow handler delays only this channel. Each channel has a
/// bounded inbox (<see cref="MeshLimits.ChannelInboxCapacity"/>); when it is full, new messages are
/// dropped and counted. A message that fails to decode is dropped and counted; it never reaches a handler.
/// </remarks>
/// <typeparam name="T">The message type.</typeparam>
public interface IChannel<T> : IDisposable
    where T : IMessagePackSerializable<T>
{
    /// <summary>The channel's name, unique per node; peers match channels by name.</summary>
    string Name { get; }

    /// <summary>How this node sends on the channel.</summary>
    Delivery Delivery { get; }

    /// <summary>
    /// Sends <paramref name="message"/> to <paramref name="peer"/>, dialling it first if there is no
    /// session. Completes when the message is queued for sending (for reliable methods the transport
    /// then resends until it is acknowledged); waits while the session's send buffer is full.
    /// </summary>
    /// <exception cref="MeshException">The peer is unreachable, has not opened this channel, or the message is too large.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    ValueTask SendAsync(PeerId peer, T message, CancellationToken cancellationToken = default);

    /// <summary>
    /// Adds a handler for messages arriving on this channel. Several handlers may be added; each
    /// message goes to each, in the order they were added. An exception from a handler is logged and
    /// counted and does not stop the channel.
    /// </summary>
    /// <returns>Dispose it to remove the handler.</returns>
    IDisposable OnReceived(MessageHandler<T> handler);
}
