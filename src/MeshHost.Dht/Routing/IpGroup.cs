using System.Net;
using System.Net.Sockets;

namespace MeshHost.Dht.Routing;

/// <summary>
/// The address block an attacker would have to spread across to eclipse a node: the /24 of an
/// IPv4 address, the /48 of an IPv6 address (IPv4-mapped IPv6 counts as IPv4).
/// </summary>
internal readonly record struct IpGroup(ulong Prefix, bool IsV6)
{
    public static IpGroup Of(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out int written);
        if (address.AddressFamily == AddressFamily.InterNetwork && written == 4)
        {
            return new IpGroup(((ulong)bytes[0] << 16) | ((ulong)bytes[1] << 8) | bytes[2], false);
        }

        ulong prefix = 0;
        for (int i = 0; i < 6; i++)
        {
            prefix = (prefix << 8) | bytes[i];
        }

        return new IpGroup(prefix, true);
    }

    /// <summary>Loopback, RFC 1918, CGNAT, link-local and unique-local addresses: not limited (one LAN may run many nodes).</summary>
    public static bool IsPrivate(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address))
        {
            return true;
        }

        Span<byte> b = stackalloc byte[16];
        address.TryWriteBytes(b, out int written);
        if (written == 4)
        {
            return b[0] == 10 || (b[0] == 172 && (b[1] & 0xF0) == 16) || (b[0] == 192 && b[1] == 168)
                || (b[0] == 169 && b[1] == 254) || (b[0] == 100 && (b[1] & 0xC0) == 64);
        }

        return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6UniqueLocal;
    }
}
