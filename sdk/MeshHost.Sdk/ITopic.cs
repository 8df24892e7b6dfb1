using MeshHost.MessagePack;

namespace MeshHost.Sdk;

/// <summary>
/// A named publish/subscribe topic, opened with <see cref="IMesh.OpenTopic{T}"/>. A message published
/// by any node reaches every node subscribed to the topic once, through a gossip mesh of about six
/// peers per node, with lost messages repaired by gossip.
/// </summary>
/// <remarks>
/// Thread-safe. Every message is signed by the node that published it; <see cref="MessageHandler{T}"/>
/// receives that origin, not the neighbour that forwarded it. Messages larger than
/// <see cref="MeshLimits.MaxTopicMessageBytes"/> are refused when published and dropped when received.
/// A node does not receive its own messages.
/// </remarks>
/// <typeparam name="T">The message type.</typeparam>
public interface ITopic<T> : IDisposable
    where T : IMessagePackSerializable<T>
{
    /// <summary>The topic's name.</summary>
    string Name { get; }

    /// <summary>
    /// Publishes <paramref name="message"/> to the topic. A node need not be subscribed to publish.
    /// </summary>
    /// <returns>How many peers the message was first sent to (0 if no subscriber is known yet).</returns>
    /// <exception cref="MeshException">The message is too large (<see cref="MeshError.MessageTooLarge"/>).</exception>
    ValueTask<int> PublishAsync(T message, CancellationToken cancellationToken = default);

    /// <summary>
    /// Subscribes: the first subscription joins the topic's mesh (finding its peers through the DHT),
    /// and every message published afterwards is handed to <paramref name="handler"/> once.
    /// </summary>
    /// <returns>Dispose it to unsubscribe; the node leaves the topic when its last subscription ends.</returns>
    IDisposable Subscribe(MessageHandler<T> handler);
}
