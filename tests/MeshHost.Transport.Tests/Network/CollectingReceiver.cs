using System.Net;
using System.Threading.Channels;
using MeshHost.Transport.Network;

namespace MeshHost.Transport.Tests.Network;

/// <summary>A datagram a test received: copies, since the socket's buffers are reused.</summary>
internal sealed record ReceivedDatagram(byte[] Payload, IPEndPoint Source, System.Net.Sockets.AddressFamily SourceFamily, Thread Thread);

/// <summary>Collects received datagrams for tests to await, each await bounded by a timeout.</summary>
internal sealed class CollectingReceiver : IDatagramReceiver
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly Channel<ReceivedDatagram> _received = Channel.CreateUnbounded<ReceivedDatagram>();

    /// <summary>Runs before the datagram is recorded; it may throw to simulate a faulty receiver.</summary>
    public Action<ReceivedDatagram>? OnEach { get; set; }

    public void OnDatagram(ReadOnlySpan<byte> datagram, SocketAddress source)
    {
        var endPoint = (IPEndPoint)new IPEndPoint(IPAddress.Any, 0).Create(source);
        var item = new ReceivedDatagram(datagram.ToArray(), endPoint, source.Family, Thread.CurrentThread);
        OnEach?.Invoke(item);
        _received.Writer.TryWrite(item);
    }

    public async Task<ReceivedDatagram> NextAsync()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            return await _received.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No datagram arrived within {Timeout}.");
        }
    }
}
