using Microsoft.Extensions.Logging;

namespace MeshHost.Transport.Network;

/// <summary>How <see cref="UdpDatagramSocket.Bind"/> configures the OS socket.</summary>
public sealed class UdpSocketOptions
{
    /// <summary>The default for both buffer sizes: 4 MiB, room for about 3,000 full-size (1,200 byte) packets.</summary>
    public const int DefaultBufferSize = 4 * 1024 * 1024;

    /// <summary>
    /// The OS receive buffer in bytes. Best effort: the OS may cap it (Linux at
    /// <c>net.core.rmem_max</c>) and failures are logged, not thrown. 0 keeps the OS default.
    /// </summary>
    public int ReceiveBufferSize { get; set; } = DefaultBufferSize;

    /// <summary>
    /// The OS send buffer in bytes. Best effort, like <see cref="ReceiveBufferSize"/>
    /// (Linux caps at <c>net.core.wmem_max</c>). 0 keeps the OS default.
    /// </summary>
    public int SendBufferSize { get; set; } = DefaultBufferSize;

    /// <summary>
    /// Whether to set the don't-fragment bit, which path MTU discovery needs: an oversized datagram
    /// then fails with <see cref="DatagramSendResult.TooLarge"/> (or is dropped on the path)
    /// instead of being fragmented. On Linux this sets <c>IP_MTU_DISCOVER=IP_PMTUDISC_DO</c>
    /// (and <c>IPV6_DONTFRAG</c> on IPv6); elsewhere it is best effort.
    /// <see cref="UdpDatagramSocket.IsDontFragmentSet"/> tells whether it took effect. Default true.
    /// </summary>
    public bool DontFragment { get; set; } = true;

    /// <summary>Where the socket logs configuration failures and receive errors; null logs nothing.</summary>
    public ILogger? Logger { get; set; }
}
