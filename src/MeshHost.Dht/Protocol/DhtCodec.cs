using System.Net;
using MeshHost.MessagePack;
using MeshHost.Transport;

namespace MeshHost.Dht.Protocol;

/// <summary>
/// Encodes and decodes DHT messages with MeshHost's MessagePack serializer, enforcing the message
/// size limit on decode, and converts contacts to and from their wire form.
/// </summary>
public static class DhtCodec
{
    /// <summary>The encoding of <paramref name="request"/>.</summary>
    public static byte[] Encode(DhtRequest request) => MessagePackSerializer.Serialize(request);

    /// <summary>The encoding of <paramref name="response"/>.</summary>
    public static byte[] Encode(DhtResponse response) => MessagePackSerializer.Serialize(response);

    /// <summary>Decodes a request; null when it is malformed or longer than <paramref name="maxBytes"/>.</summary>
    public static DhtRequest? DecodeRequest(ReadOnlySpan<byte> bytes, int maxBytes)
    {
        if (bytes.Length > maxBytes)
        {
            return null;
        }

        try
        {
            return MessagePackSerializer.Deserialize<DhtRequest>(bytes, Limits(maxBytes));
        }
        catch (MessagePackSerializationException)
        {
            return null;
        }
    }

    /// <summary>Decodes a response; null when it is malformed or longer than <paramref name="maxBytes"/>.</summary>
    public static DhtResponse? DecodeResponse(ReadOnlySpan<byte> bytes, int maxBytes)
    {
        if (bytes.Length > maxBytes)
        {
            return null;
        }

        try
        {
            return MessagePackSerializer.Deserialize<DhtResponse>(bytes, Limits(maxBytes));
        }
        catch (MessagePackSerializationException)
        {
            return null;
        }
    }

    /// <summary>The wire form of a contact.</summary>
    public static WireContact ToWire(DhtContact contact) => new()
    {
        Id = contact.Id.ToArray(),
        Address = contact.EndPoint.Address.GetAddressBytes(),
        Port = contact.EndPoint.Port,
    };

    /// <summary>Reads a wire contact; false for a wrong-length id or address or an invalid port.</summary>
    public static bool TryFromWire(WireContact? wire, out DhtContact contact)
    {
        contact = default;
        if (wire is null || wire.Id is not { Length: NodeId.Size } || wire.Address is not { Length: 4 or 16 }
            || wire.Port is <= 0 or > IPEndPoint.MaxPort)
        {
            return false;
        }

        contact = new DhtContact(new NodeId(wire.Id), new IPEndPoint(new IPAddress(wire.Address), wire.Port));
        return true;
    }

    private static MessagePackSerializerOptions Limits(int maxBytes) =>
        maxBytes == MessagePackSerializerOptions.Default.MaxInputLength ? MessagePackSerializerOptions.Default : new() { MaxInputLength = maxBytes, MaxDepth = 16 };
}
