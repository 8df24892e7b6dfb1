using MeshHost.MessagePack;
using MeshHost.Mesh.Channels;
using MeshHost.Mesh.Connections;
using MeshHost.Mesh.Protocol;
using MeshHost.Sdk;
using MeshHost.Transport;

namespace MeshHost.Mesh;

public sealed partial class MeshNode
{
    /// <summary>Decoding limits for channel messages.</summary>
    internal static readonly MessagePackSerializerOptions ChannelLimits = new() { MaxInputLength = MeshLimits.MaxChannelMessageBytes, MaxDepth = 64 };

    /// <inheritdoc/>
    public IChannel<T> OpenChannel<T>(string name, Delivery delivery = Delivery.ReliableOrdered)
        where T : IMessagePackSerializable<T>
    {
        ChannelTable.ValidateName(name);
        if ((uint)delivery > (uint)Delivery.ReliableSequenced)
        {
            throw new ArgumentOutOfRangeException(nameof(delivery), delivery, "Unknown delivery method.");
        }

        return AddChannel(new TypedChannel<T>(this, name, delivery));
    }

    /// <inheritdoc/>
    public IRequestChannel<TRequest, TResponse> OpenRequestChannel<TRequest, TResponse>(string name)
        where TRequest : IMessagePackSerializable<TRequest>
        where TResponse : IMessagePackSerializable<TResponse>
    {
        ChannelTable.ValidateName(name);
        return AddChannel(new RequestChannel<TRequest, TResponse>(this, name));
    }

    internal TChannel AddChannel<TChannel>(TChannel channel)
        where TChannel : LocalChannel
    {
        ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
        ChangeChannelTable(
            () =>
            {
                _channels.Add(channel);
                return true;
            },
            () => new ChannelsOpenedMessage { Channels = [new ChannelEntry { Name = channel.Name, Id = channel.Id }] });
        return channel;
    }

    internal void CloseChannel(LocalChannel channel)
    {
        ChangeChannelTable(
            () => _channels.Remove(channel),
            () => new ChannelsClosedMessage { Ids = [channel.Id] });
    }

    /// <summary>
    /// Sends an encoded message to <paramref name="peer"/> on the named channel, dialling first.
    /// </summary>
    /// <exception cref="MeshException">Unreachable, channel not opened by the peer, too large, or closed.</exception>
    internal async ValueTask SendNamedAsync(NodeId peer, string name, DeliveryMethod method, ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        if (message.Length > MeshLimits.MaxChannelMessageBytes)
        {
            throw new MeshException(MeshError.MessageTooLarge, $"The message is {message.Length} bytes; channel '{name}' carries at most {MeshLimits.MaxChannelMessageBytes}.");
        }

        PeerConnection connection = await GetOrDialAsync(peer, cancellationToken).ConfigureAwait(false);
        await SendNamedAsync(connection, name, method, message, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends on an existing connection (request channels answer on the session the request came on).</summary>
    internal async ValueTask SendNamedAsync(PeerConnection connection, string name, DeliveryMethod method, ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        if (!connection.TryGetRemoteChannel(name, out byte id))
        {
            throw new MeshException(MeshError.ChannelNotOpenedByPeer, $"{connection.Id.ToShortString()} has not opened channel '{name}'.");
        }

        try
        {
            await connection.Session.SendAsync(id, method, message, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException ex)
        {
            throw new MeshException(MeshError.Closed, $"The session with {connection.Id.ToShortString()} closed before the message was queued.", ex);
        }
        catch (ArgumentOutOfRangeException ex)
        {
            throw new MeshException(MeshError.MessageTooLarge, ex.Message, ex);
        }

        connection.Touch(_time.GetTimestamp());
        Interlocked.Increment(ref _counters.MessagesSent);
    }
}
