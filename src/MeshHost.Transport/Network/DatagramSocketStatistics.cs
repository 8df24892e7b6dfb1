namespace MeshHost.Transport.Network;

/// <summary>
/// A snapshot of an <see cref="IDatagramSocket"/>'s counters, all counted from the socket's
/// creation. Each field is read atomically, the set is not: under traffic the fields may be from
/// slightly different instants.
/// </summary>
/// <param name="DatagramsSent">Datagrams that <see cref="IDatagramSocket.Send"/> reported as <see cref="DatagramSendResult.Sent"/>.</param>
/// <param name="BytesSent">Payload bytes of those datagrams (UDP/IP headers not included).</param>
/// <param name="DatagramsReceived">Datagrams passed to the receiver.</param>
/// <param name="BytesReceived">Payload bytes of those datagrams.</param>
/// <param name="SendErrors">Sends that returned <see cref="DatagramSendResult.TooLarge"/> or <see cref="DatagramSendResult.Dropped"/>.</param>
/// <param name="ReceiveErrors">Receive operations that failed (ICMP errors reported by the OS, truncated datagrams, other socket errors).</param>
/// <param name="ReceiverFaults">Exceptions thrown by <see cref="IDatagramReceiver.OnDatagram"/>, caught by the socket.</param>
public readonly record struct DatagramSocketStatistics(
    long DatagramsSent,
    long BytesSent,
    long DatagramsReceived,
    long BytesReceived,
    long SendErrors,
    long ReceiveErrors,
    long ReceiverFaults);
