using System.Net;
using MeshHost.Transport.Network;

namespace MeshHost.Transport.Tests.Testing;

/// <summary>One delivery seen by a <see cref="DeliveryRecorder"/>.</summary>
internal sealed record Delivery(TimeSpan At, IPEndPoint Destination, IPEndPoint Source, byte[] Payload)
{
    public int Number => BitConverter.ToInt32(Payload, 0);
}

/// <summary>
/// Records every delivery to the sockets it is started on, with the clock's reading during the
/// call, in one list shared by all of them (so it also shows the order across sockets).
/// </summary>
internal sealed class DeliveryRecorder(TimeProvider time)
{
    private readonly long _start = time.GetTimestamp();
    private readonly Lock _sync = new();
    private readonly List<Delivery> _deliveries = [];
    private int _inside;

    public bool SawConcurrentCalls { get; private set; }

    public IReadOnlyList<Delivery> Deliveries
    {
        get
        {
            lock (_sync)
            {
                return [.. _deliveries];
            }
        }
    }

    public Action<IDatagramSocket, Delivery>? OnEach { get; set; }

    public void Attach(IDatagramSocket socket) => socket.Start(new Receiver(this, socket));

    private void Record(IDatagramSocket socket, ReadOnlySpan<byte> datagram, SocketAddress source)
    {
        if (Interlocked.Increment(ref _inside) != 1)
        {
            SawConcurrentCalls = true;
        }

        var delivery = new Delivery(time.GetElapsedTime(_start), socket.LocalEndPoint, (IPEndPoint)new IPEndPoint(IPAddress.Any, 0).Create(source), datagram.ToArray());
        lock (_sync)
        {
            _deliveries.Add(delivery);
        }

        try
        {
            OnEach?.Invoke(socket, delivery);
        }
        finally
        {
            Interlocked.Decrement(ref _inside);
        }
    }

    private sealed class Receiver(DeliveryRecorder recorder, IDatagramSocket socket) : IDatagramReceiver
    {
        public void OnDatagram(ReadOnlySpan<byte> datagram, SocketAddress source) => recorder.Record(socket, datagram, source);
    }
}
