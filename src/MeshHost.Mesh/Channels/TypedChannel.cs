using MeshHost.MessagePack;
using MeshHost.Mesh.Connections;
using MeshHost.Sdk;
using MeshHost.Transport;

namespace MeshHost.Mesh.Channels;

/// <summary>A point-to-point channel of <typeparamref name="T"/> messages.</summary>
internal sealed class TypedChannel<T> : LocalChannel, IChannel<T>
    where T : IMessagePackSerializable<T>
{
    private readonly HandlerInbox<T> _inbox;

    public TypedChannel(MeshNode node, string name, Delivery delivery)
        : base(node, name)
    {
        Delivery = delivery;
        _inbox = new HandlerInbox<T>(name, MeshLimits.ChannelInboxCapacity, node.Counters, node.Logger);
    }

    public Delivery Delivery { get; }

    public async ValueTask SendAsync(PeerId peer, T message, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        using var buffer = new PooledBufferWriter();
        MessagePackSerializer.Serialize(buffer, message);
        await Node.SendNamedAsync(peer.ToNodeId(), Name, (DeliveryMethod)Delivery, buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
    }

    public IDisposable OnReceived(MessageHandler<T> handler) => _inbox.Add(handler);

    public override void Deliver(PeerConnection from, ReadOnlySpan<byte> payload)
    {
        T? message;
        try
        {
            message = MessagePackSerializer.Deserialize<T>(payload, MeshNode.ChannelLimits);
        }
        catch (Exception) // hostile bytes, or a message type whose constructor refuses them
        {
            message = default;
        }

        if (message is null)
        {
            Interlocked.Increment(ref Node.Counters.DroppedMalformed);
            MeshLog.Malformed(Node.Logger, $"message on '{Name}'", from.Id.ToShortString());
            return;
        }

        Interlocked.Increment(ref Node.Counters.MessagesReceived);
        _inbox.TryPost(from.Id.ToPeerId(), message);
    }

    protected override void OnClosed() => _inbox.Stop();
}
