using System.Net;
using System.Net.Sockets;
using MeshHost.Mesh.Nat;
using MeshHost.Transport.Network;

namespace MeshHost.Mesh.Tests.Nat;

/// <summary>The relay decorator: circuit addresses, and the receiver's one-at-a-time rule kept while relayed datagrams arrive inside it.</summary>
public sealed class RelaySocketTests
{
    [Fact]
    public void Sends_to_a_circuit_address_go_to_the_circuit_and_others_to_the_socket()
    {
        var inner = new FakeSocket();
        using var socket = new RelaySocket(inner);
        var circuit = new RecordingCircuit();
        IPEndPoint address = socket.Register(circuit);

        Assert.True(RelayAddresses.IsRelayAddress(address.Address));
        Assert.Equal(DatagramSendResult.Sent, socket.Send([1, 2], address.Serialize()));
        Assert.Equal(DatagramSendResult.Sent, socket.Send([3], IPEndPoint.Parse("198.51.100.1:9").Serialize()));
        Assert.Equal([1, 2], Assert.Single(circuit.Sent));
        Assert.Equal(1, inner.Sent);

        socket.Unregister(address);
        Assert.Equal(DatagramSendResult.Dropped, socket.Send([4], address.Serialize()));
        Assert.Single(circuit.Sent);
    }

    [Fact]
    public void A_datagram_relayed_inside_the_receiver_is_delivered_after_it_never_nested()
    {
        var inner = new FakeSocket();
        using var socket = new RelaySocket(inner);
        IPEndPoint address = socket.Register(new RecordingCircuit());
        var receiver = new Receiver();
        socket.Start(receiver);
        receiver.OnEach = (data, _) =>
        {
            if (data[0] == 1)
            {
                socket.Deliver(address, [2]); // as a relay frame decoded by a session would
                Assert.Equal([1], receiver.Seen.Select(s => s.Data[0])); // not delivered yet
            }
        };

        inner.Receive([1], IPEndPoint.Parse("198.51.100.1:9"));

        Assert.Equal([(byte)1, (byte)2], receiver.Seen.Select(s => s.Data[0]));
        Assert.Equal(address, receiver.Seen[1].Source);
        Assert.False(receiver.Nested);
    }

    [Fact]
    public void A_datagram_from_the_wire_claiming_a_circuit_address_is_dropped_and_counted()
    {
        var inner = new FakeSocket();
        using var socket = new RelaySocket(inner);
        IPEndPoint address = socket.Register(new RecordingCircuit());
        var receiver = new Receiver();
        socket.Start(receiver);

        inner.Receive([1], address); // spoofed: a circuit's address can only come from a circuit
        inner.Receive([2], IPEndPoint.Parse("[2001:db8::1]:9"));

        Assert.Equal([(byte)2], receiver.Seen.Select(s => s.Data[0]));
        Assert.Equal(1, socket.DroppedSpoofed);
    }

    [Fact]
    public void A_datagram_relayed_outside_any_receive_is_delivered_at_once()
    {
        var inner = new FakeSocket();
        using var socket = new RelaySocket(inner);
        IPEndPoint address = socket.Register(new RecordingCircuit());
        var receiver = new Receiver();
        socket.Start(receiver);

        socket.Deliver(address, [7]);

        Assert.Equal(7, Assert.Single(receiver.Seen).Data[0]);
    }

    [Fact]
    public void The_delivery_queue_is_bounded()
    {
        var inner = new FakeSocket();
        using var socket = new RelaySocket(inner);
        IPEndPoint address = socket.Register(new RecordingCircuit());
        var receiver = new Receiver();
        socket.Start(receiver);
        receiver.OnEach = (data, _) =>
        {
            if (data[0] == 1)
            {
                for (int i = 0; i < RelaySocket.MaxQueued + 10; i++)
                {
                    socket.Deliver(address, [2]);
                }
            }
        };

        inner.Receive([1], IPEndPoint.Parse("198.51.100.1:9"));

        Assert.Equal(1 + RelaySocket.MaxQueued, receiver.Seen.Count);
        Assert.Equal(10, socket.Dropped);
    }

    private sealed class RecordingCircuit : IRelayCircuitSender
    {
        public List<byte[]> Sent { get; } = [];

        public bool Send(ReadOnlySpan<byte> datagram)
        {
            Sent.Add(datagram.ToArray());
            return true;
        }
    }

    private sealed class Receiver : IDatagramReceiver
    {
        private int _inside;

        public List<(byte[] Data, IPEndPoint Source)> Seen { get; } = [];

        public bool Nested { get; private set; }

        public Action<byte[], IPEndPoint>? OnEach { get; set; }

        public void OnDatagram(ReadOnlySpan<byte> datagram, SocketAddress source)
        {
            Nested |= ++_inside > 1;
            byte[] data = datagram.ToArray();
            var from = (IPEndPoint)new IPEndPoint(source.Family == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0).Create(source);
            Seen.Add((data, from));
            OnEach?.Invoke(data, from);
            _inside--;
        }
    }

    private sealed class FakeSocket : IDatagramSocket
    {
        private IDatagramReceiver? _receiver;

        public int Sent { get; private set; }

        public IPEndPoint LocalEndPoint { get; } = IPEndPoint.Parse("10.0.0.2:47800");

        public int MaxDatagramSize => 65_507;

        public DatagramSocketStatistics Statistics => default;

        public void Start(IDatagramReceiver receiver) => _receiver = receiver;

        public DatagramSendResult Send(ReadOnlySpan<byte> datagram, SocketAddress destination)
        {
            Sent++;
            return DatagramSendResult.Sent;
        }

        public void Receive(byte[] datagram, IPEndPoint source) => _receiver!.OnDatagram(datagram, source.Serialize());

        public void Dispose()
        {
        }
    }
}
