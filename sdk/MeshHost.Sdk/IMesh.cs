using MeshHost.MessagePack;

namespace MeshHost.Sdk;

/// <summary>
/// The mesh as a plugin sees it: its own id, typed channels, request/response, topics, content routing
/// and the peer directory. The host hands one to each plugin.
/// </summary>
public interface IMesh
{
    /// <summary>This node's id.</summary>
    PeerId LocalId { get; }

    /// <summary>The connected peers and their events.</summary>
    IPeerDirectory Peers { get; }

    /// <summary>Provider records in the DHT.</summary>
    IContentRouting Content { get; }

    /// <summary>Signs with this node's identity key and verifies other nodes' signatures (since SDK 1.1).</summary>
    INodeSigner Identity { get; }

    /// <summary>
    /// Opens a point-to-point channel. Peers that open a channel of the same name exchange messages
    /// on it; peers that have not are refused at send time (<see cref="MeshError.ChannelNotOpenedByPeer"/>).
    /// </summary>
    /// <param name="name">1 to <see cref="MeshLimits.MaxChannelNameBytes"/> UTF-8 bytes; by convention <c>plugin-id/channel</c>.</param>
    /// <param name="delivery">How this node sends on it.</param>
    /// <exception cref="ArgumentException">The name is empty or too long.</exception>
    /// <exception cref="InvalidOperationException">A channel of this name is already open, or the node's channel table (<see cref="MeshLimits.MaxChannels"/>) is full.</exception>
    IChannel<T> OpenChannel<T>(string name, Delivery delivery = Delivery.ReliableOrdered)
        where T : IMessagePackSerializable<T>;

    /// <summary>Opens a request/response channel; naming rules as for <see cref="OpenChannel{T}"/>.</summary>
    IRequestChannel<TRequest, TResponse> OpenRequestChannel<TRequest, TResponse>(string name)
        where TRequest : IMessagePackSerializable<TRequest>
        where TResponse : IMessagePackSerializable<TResponse>;

    /// <summary>Opens a topic (1 to <see cref="MeshLimits.MaxChannelNameBytes"/> UTF-8 bytes). Several opens of one name share the subscription.</summary>
    ITopic<T> OpenTopic<T>(string name)
        where T : IMessagePackSerializable<T>;
}
