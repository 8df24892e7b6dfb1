using System.Net;
using MeshHost.Mesh.Connections;
using MeshHost.Transport;

namespace MeshHost.Mesh.Nat;

/// <summary>
/// A circuit this node relays: two legs, each a session with an end node and the circuit id used
/// on it, with a bandwidth budget per direction and a deadline.
/// </summary>
internal sealed class RelayCircuit(PeerConnection a, uint aId, PeerConnection b, uint bId, long openedAt, long bytesPerSecond)
{
    private readonly Lock _lock = new();
    private double _tokensAtoB = bytesPerSecond;
    private double _tokensBtoA = bytesPerSecond;
    private long _stampAtoB = openedAt;
    private long _stampBtoA = openedAt;

    public PeerConnection A { get; } = a;

    public uint AId { get; } = aId;

    public PeerConnection B { get; } = b;

    public uint BId { get; } = bId;

    public long OpenedAt { get; } = openedAt;

    /// <summary>When the circuit last forwarded a datagram (or opened): idle circuits are reclaimed.</summary>
    public long LastData { get; private set; } = openedAt;

    /// <summary>Takes <paramref name="bytes"/> from the sending direction's bucket (one second of burst); false when it is empty.</summary>
    public bool TryTake(bool fromA, int bytes, long now, TimeProvider time)
    {
        lock (_lock)
        {
            ref double tokens = ref fromA ? ref _tokensAtoB : ref _tokensBtoA;
            ref long stamp = ref fromA ? ref _stampAtoB : ref _stampBtoA;
            tokens = Math.Min(bytesPerSecond, tokens + (time.GetElapsedTime(stamp, now).TotalSeconds * bytesPerSecond));
            stamp = now;
            if (tokens < bytes)
            {
                return false;
            }

            tokens -= bytes;
            LastData = now;
            return true;
        }
    }
}

/// <summary>
/// An end of a relayed path: the circuit this node opened (or accepted) through a relay, seen by
/// the transport as the synthetic address <see cref="Address"/>.
/// </summary>
internal sealed class ClientCircuit : IRelayCircuitSender
{
    /// <summary>The largest datagram carried through a relay: the transport's minimum packet size, so a relayed packet never needs more than one relay packet plus a fragment.</summary>
    public const int MaxDatagram = 1200;

    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ClientCircuit(PeerConnection relay, uint id, NodeId peer, long createdAt)
    {
        CreatedAt = createdAt;
        Relay = relay;
        Id = id;
        Peer = peer;
        RelayEndPoint = relay.Session.RemoteEndPoint;
        _connected.Task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    public long CreatedAt { get; }

    public PeerConnection Relay { get; }

    public NodeId RelayId => Relay.Id;

    public IPEndPoint RelayEndPoint { get; }

    public uint Id { get; }

    /// <summary>Who must be at the other end (the handshake proves it).</summary>
    public NodeId Peer { get; }

    public IPEndPoint Address { get; set; } = null!;

    public Task Connected => _connected.Task;

    public void SetConnected() => _connected.TrySetResult();

    public void Fail(string reason) => _connected.TrySetException(new Sdk.MeshException(Sdk.MeshError.PeerUnreachable, reason));

    public bool Send(ReadOnlySpan<byte> datagram)
    {
        if (datagram.Length > MaxDatagram)
        {
            return false; // a path-MTU probe: refusing it keeps relayed packets small
        }

        byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(NatCodec.DataHeaderSize + datagram.Length);
        try
        {
            NatCodec.WriteDataHeader(buffer, Id);
            datagram.CopyTo(buffer.AsSpan(NatCodec.DataHeaderSize));
            return Relay.Session.TrySend(Protocol.MeshChannels.Nat, DeliveryMethod.Unreliable, buffer.AsSpan(0, NatCodec.DataHeaderSize + datagram.Length)) == SendResult.Queued;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
