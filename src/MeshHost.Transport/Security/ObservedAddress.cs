using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace MeshHost.Transport.Security;

/// <summary>
/// <c>family u8 (0|4|6) | address [0|4|16] | port u16</c>: the endpoint a responder sees its
/// initiator from. Family 0 (no address, no port) means "not reported", e.g. over a relay.
/// </summary>
internal static class ObservedAddress
{
    public const int MinSize = 1;
    public const int MaxSize = 1 + 16 + 2;

    public static int GetSize(IPEndPoint? endPoint) => Normalize(endPoint) switch
    {
        null => 1,
        { AddressFamily: AddressFamily.InterNetwork } => 1 + 4 + 2,
        _ => 1 + 16 + 2,
    };

    public static int Write(IPEndPoint? endPoint, Span<byte> destination)
    {
        IPAddress? address = Normalize(endPoint);
        if (address is null)
        {
            destination[0] = 0;
            return 1;
        }

        destination[0] = address.AddressFamily == AddressFamily.InterNetwork ? (byte)4 : (byte)6;
        if (!address.TryWriteBytes(destination[1..], out int written))
        {
            throw new ArgumentException("The destination is too small for the observed address.", nameof(destination));
        }

        BinaryPrimitives.WriteUInt16BigEndian(destination[(1 + written)..], (ushort)endPoint!.Port);
        return 1 + written + 2;
    }

    /// <summary>Reads an address that fills <paramref name="source"/> exactly.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out IPEndPoint? endPoint)
    {
        endPoint = null;
        if (source.IsEmpty)
        {
            return false;
        }

        int addressSize = source[0] switch
        {
            0 => 0,
            4 => 4,
            6 => 16,
            _ => -1,
        };
        if (addressSize < 0 || source.Length != 1 + addressSize + (addressSize == 0 ? 0 : 2))
        {
            return false;
        }

        if (addressSize != 0)
        {
            endPoint = new IPEndPoint(new IPAddress(source.Slice(1, addressSize)), BinaryPrimitives.ReadUInt16BigEndian(source[(1 + addressSize)..]));
        }

        return true;
    }

    // A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d; the peer knows itself by a.b.c.d.
    private static IPAddress? Normalize(IPEndPoint? endPoint) => endPoint?.Address switch
    {
        null => null,
        { IsIPv4MappedToIPv6: true } mapped => mapped.MapToIPv4(),
        { AddressFamily: AddressFamily.InterNetwork or AddressFamily.InterNetworkV6 } address => address,
        _ => null,
    };
}
