namespace MeshHost.Transport.Network;

/// <summary>
/// The counters behind <see cref="DatagramSocketStatistics"/>, shared by the socket
/// implementations. Interlocked, because sends come from any thread.
/// </summary>
internal sealed class DatagramCounters
{
    private long _datagramsSent;
    private long _bytesSent;
    private long _datagramsReceived;
    private long _bytesReceived;
    private long _sendErrors;
    private long _receiveErrors;
    private long _receiverFaults;

    public void OnSent(int bytes)
    {
        Interlocked.Increment(ref _datagramsSent);
        Interlocked.Add(ref _bytesSent, bytes);
    }

    public void OnReceived(int bytes)
    {
        Interlocked.Increment(ref _datagramsReceived);
        Interlocked.Add(ref _bytesReceived, bytes);
    }

    public void OnSendError() => Interlocked.Increment(ref _sendErrors);

    public void OnReceiveError() => Interlocked.Increment(ref _receiveErrors);

    /// <summary>Counts a receiver exception and returns how many there have been.</summary>
    public long OnReceiverFault() => Interlocked.Increment(ref _receiverFaults);

    public DatagramSocketStatistics Snapshot() => new(
        Interlocked.Read(ref _datagramsSent),
        Interlocked.Read(ref _bytesSent),
        Interlocked.Read(ref _datagramsReceived),
        Interlocked.Read(ref _bytesReceived),
        Interlocked.Read(ref _sendErrors),
        Interlocked.Read(ref _receiveErrors),
        Interlocked.Read(ref _receiverFaults));
}
