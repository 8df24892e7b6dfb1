using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using MeshHost.Transport.Frames;
using MeshHost.Transport.Lanes;
using MeshHost.Transport.Network;
using MeshHost.Transport.Recovery;
using MeshHost.Transport.Security;

namespace MeshHost.Transport;

public sealed partial class Session : ILaneSendContext
{
    // A flush sends at most this many packets per pass before it re-checks for new work.
    private const int MaxPacketsPerPass = 16;

    // The smallest packet worth sending on an unvalidated path: room for an ACK and a PATH_CHALLENGE.
    private const int MinimumUnvalidatedPacket = HeaderSize + 64 + PacketProtection.TagSize;

    private readonly int[] _activeLanes = new int[LaneCount];
    private readonly bool[] _laneActive = new bool[LaneCount];
    private int _activeFirst;
    private int _activeCount;

    private FrameRecord[] _records = new FrameRecord[1024];
    private long _recordHead; // records before it belong to resolved packets
    private long _recordTail;

    private readonly byte[]?[] _packetBuffers = new byte[MaxPacketsPerPass][];
    private readonly int[] _packetLengths = new int[MaxPacketsPerPass];
    private readonly SocketAddress?[] _packetDestinations = new SocketAddress[MaxPacketsPerPass];

    /// <summary>For each packet built in a pass: its packet number plus one when it is a path-MTU probe, else 0.</summary>
    private readonly ulong[] _probeNumbers = new ulong[MaxPacketsPerPass];

    private ulong _nextPacketNumber;
    private int _flushRequested;
    private int _flushing;
    private int _batchDepth;
    private long _bufferedBytes;
    private TaskCompletionSource? _spaceAvailable;

    private long _peerMaxData;
    private long _creditUsed;
    private readonly bool[] _laneBlockedOnCredit = new bool[LaneCount];
    private bool _creditBlockedNow;
    private bool _pingPending;
    private int _probesPending;
    private byte[]? _finishDatagram;
    private bool _handshakeConfirmed;
    private bool _resendFinish;

    private long _messagesSent;
    private long _retransmissions;

    /// <summary>
    /// Queues a message on the lane (<paramref name="channel"/>, <paramref name="method"/>) and sends
    /// it now (unless a batch is open). Copies <paramref name="message"/>; never blocks.
    /// </summary>
    /// <returns><see cref="SendResult.WouldBlock"/> when the send buffer is full (nothing queued).</returns>
    public SendResult TrySend(byte channel, DeliveryMethod method, ReadOnlySpan<byte> message)
    {
        if ((uint)method > (uint)DeliveryMethod.ReliableSequenced)
        {
            throw new ArgumentOutOfRangeException(nameof(method), method, "Unknown delivery method.");
        }

        if (message.Length > _options.MaxMessageSize
            || (method is not (DeliveryMethod.ReliableOrdered or DeliveryMethod.ReliableUnordered) && message.Length > _options.MaxUnreliableReassemblyBytes))
        {
            // Unreliable, Sequenced and ReliableSequenced messages are reassembled outside flow
            // control, within MaxUnreliableReassemblyBytes: a larger one could never arrive.
            return SendResult.TooLarge;
        }

        lock (_lock)
        {
            if (_state != SessionState.Established)
            {
                return SendResult.Closed;
            }

            // One message may always be queued on an empty buffer, so a message up to the maximum
            // size is never refused for good.
            if (_bufferedBytes > 0 && _bufferedBytes + message.Length > _options.SendBufferLimit)
            {
                return SendResult.WouldBlock;
            }

            int laneIndex = (channel * 5) + (int)method;
            SendLane lane = _sendLanes[laneIndex] ??= new SendLane(laneIndex, channel, method);
            lane.Enqueue(message, this);
            _bufferedBytes += message.Length;
            _messagesSent++;
            Activate(laneIndex);
        }

        if (Volatile.Read(ref _batchDepth) == 0)
        {
            Flush();
        }

        return SendResult.Queued;
    }

    /// <summary>
    /// Queues a message, waiting while the send buffer is full (back-pressure). Completes once the
    /// message is queued, not when it is delivered.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The message exceeds <see cref="TransportOptions.MaxMessageSize"/>.</exception>
    /// <exception cref="InvalidOperationException">The session is closed.</exception>
    public async ValueTask SendAsync(byte channel, DeliveryMethod method, ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            switch (TrySend(channel, method, message.Span))
            {
                case SendResult.Queued:
                    return;
                case SendResult.TooLarge:
                    throw new ArgumentOutOfRangeException(nameof(message), message.Length, $"The message exceeds the limit of {_options.MaxMessageSize} bytes.");
                case SendResult.Closed:
                    throw new InvalidOperationException($"The session with {RemoteId.ToShortString()} is closed: {CloseReason}");
            }

            Task wait;
            lock (_lock)
            {
                // Room may have appeared between TrySend and here; then try again instead of waiting
                // for a release that already happened.
                if (_state != SessionState.Established || _bufferedBytes == 0 || _bufferedBytes + message.Length <= _options.SendBufferLimit)
                {
                    continue;
                }

                _spaceAvailable ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _spaceAvailable.Task;
            }

            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Opens a batch: while any batch is open, sends on this session are queued but not flushed,
    /// so many small messages share packets. Disposing the last open batch flushes.
    /// </summary>
    public SendBatch BeginBatch()
    {
        Interlocked.Increment(ref _batchDepth);
        return new SendBatch(this);
    }

    internal void EndBatch()
    {
        if (Interlocked.Decrement(ref _batchDepth) == 0)
        {
            Flush();
        }
    }

    /// <summary>
    /// Sends whatever is queued. Race-free hand-over: a caller first raises the request flag, then
    /// tries to take the flushing role; whoever holds the role re-checks the flag after giving the
    /// role up, so a message queued at any instant is sent by some thread.
    /// </summary>
    internal void Flush()
    {
        Interlocked.Exchange(ref _flushRequested, 1);
        while (Interlocked.CompareExchange(ref _flushing, 1, 0) == 0)
        {
            try
            {
                while (Interlocked.Exchange(ref _flushRequested, 0) == 1)
                {
                    FlushPasses();
                }
            }
            finally
            {
                // Whatever happened, give the role up: a role kept by a failed flush would silence
                // the session for good.
                Interlocked.Exchange(ref _flushing, 0);
            }

            if (Volatile.Read(ref _flushRequested) == 0)
            {
                return;
            }
        }
    }

    private void FlushPasses()
    {
        while (true)
        {
            int count = 0;
            lock (_lock)
            {
                if (_state != SessionState.Established)
                {
                    return;
                }

                long now = _clock.NowMicroseconds;
                if (_resendFinish && _finishDatagram is not null)
                {
                    _resendFinish = false;
                    byte[] finish = EnsurePacketBuffer(0, _finishDatagram.Length);
                    _finishDatagram.CopyTo(finish, 0);
                    _packetLengths[0] = _finishDatagram.Length;
                    _packetDestinations[0] = _remoteAddress;
                    _probeNumbers[0] = 0;
                    count = 1;
                }

                while (count < MaxPacketsPerPass)
                {
                    int length = BuildPacket(count, now);
                    if (length == 0)
                    {
                        break;
                    }

                    _packetLengths[count] = length;
                    _packetDestinations[count] = _remoteAddress;
                    count++;
                }

                // RFC 9002 §7.8: a sender that ran out of data before it filled the window must not
                // grow the window on the acknowledgements of what it did send.
                ICongestionController congestion = _sent.CongestionController;
                congestion.IsApplicationLimited = _activeCount == 0 && congestion.BytesInFlight < congestion.CongestionWindow;

                if (count > 0)
                {
                    _lastSendTime = now;
                }

                RearmTimer(now);
            }
            for (int i = 0; i < count; i++)
            {
                DatagramSendResult result = _endpoint.Socket.Send(_packetBuffers[i].AsSpan(0, _packetLengths[i]), _packetDestinations[i]!);
                if (result == DatagramSendResult.TooLarge)
                {
                    lock (_lock)
                    {
                        OnDatagramTooLarge(_packetLengths[i]);
                        if (_probeNumbers[i] != 0 && _sent.DiscardRefusedProbe(_probeNumbers[i] - 1, this))
                        {
                            Interlocked.Exchange(ref _flushRequested, 1); // the window it held is free: send what waited
                        }
                    }
                }
            }
            if (count < MaxPacketsPerPass)
            {
                return;
            }
        }
    }

    /// <summary>Builds one Data packet into packet buffer <paramref name="index"/>; returns its length, or 0 when there is nothing to send.</summary>
    private int BuildPacket(int index, long now)
    {
        bool congestionAllows = _probesPending > 0 || _sent.CongestionController.CanSend(_datagramSize);
        bool pacerAllows = _probesPending > 0 || _pacer.CanSendNow(now, _datagramSize);
        bool mayElicit = congestionAllows && pacerAllows && !_sent.IsFull;
        // A probe may exceed the window: one packet, once per probe round trip, and the search ends
        // after about 16 of them (known cost: the first one can delay a reply by a round trip).
        bool mtuProbe = mayElicit && ShouldSendMtuProbe(now);
        bool ackDue = _received.AckRequiredNow || now >= _received.AckDeadline;
        if (!mayElicit && !ackDue)
        {
            return 0; // nothing may go
        }

        int capacity = mtuProbe ? _mtuProbeSize : _datagramSize;
        if (!_pathValidated)
        {
            // The peer's new address has not answered our challenge yet: send at most three times
            // what it sent us, so that an on-path attacker rewriting source addresses cannot turn
            // us into an amplifier. Use whatever that budget allows (no MTU probe goes out on an
            // unvalidated path): waiting until it covered a full-size datagram kept the ACK and the
            // PATH_CHALLENGE itself from going out after a small packet, so the path never validated.
            long budget = (3 * _bytesReceivedOnPath) - _bytesSentOnPath;
            if (budget < MinimumUnvalidatedPacket)
            {
                return 0;
            }

            capacity = (int)Math.Min(capacity, budget);
        }

        int payloadEnd = capacity - PacketProtection.TagSize;
        ulong packetNumber = _nextPacketNumber;

        // Sized here, not by the caller: the probe size is chosen just above (ShouldSendMtuProbe),
        // and a buffer sized before it was chosen was too small for the first probe (the span
        // below threw out of the flush, on the receive thread or a timer thread).
        byte[] datagram = EnsurePacketBuffer(index, capacity);
        Span<byte> span = datagram.AsSpan(0, capacity);
        span[0] = PacketTypes.Data;
        RemoteCid.WriteTo(span.Slice(1));
        BinaryPrimitives.WriteUInt32BigEndian(span.Slice(1 + ConnectionId.Size), (uint)packetNumber);

        int position = HeaderSize;
        bool ackEliciting = false;
        long recordStart = _recordTail;

        // An acknowledgement rides along whenever a packet goes out; it justifies a packet of its own
        // only when one is due.
        int ackLength = _received.HasAckToSend ? _received.WriteAckFrame(span.Slice(position, payloadEnd - position), now) : 0;
        position += ackLength;

        if (mayElicit)
        {
            if (_maxDataPending && payloadEnd - position >= 1 + 8)
            {
                span[position++] = FrameType.MaxData;
                position += VarInt.Write(span.Slice(position), (ulong)_creditGranted);
                AddRecord(FrameRecord.MaxData);
                _maxDataPending = false;
                ackEliciting = true;
            }

            if (_pathChallengePending && payloadEnd - position >= 9)
            {
                span[position++] = FrameType.PathChallenge;
                BinaryPrimitives.WriteUInt64BigEndian(span.Slice(position), _pathChallenge);
                position += 8;
                AddRecord(FrameRecord.PathChallenge);
                _pathChallengePending = false;
                ackEliciting = true;
            }

            if (_pathResponsePending && payloadEnd - position >= 9)
            {
                span[position++] = FrameType.PathResponse;
                BinaryPrimitives.WriteUInt64BigEndian(span.Slice(position), _pathResponse);
                position += 8;
                _pathResponsePending = false;
                ackEliciting = true;
            }

            if (mtuProbe)
            {
                span[position++] = FrameType.MtuProbe;
                AddRecord(FrameRecord.MtuProbe(capacity));
                _mtuProbeInFlight = true;
                ackEliciting = true;
            }
            else
            {
                // "Empty" means as empty as this packet is now, after the ACK and control frames: with
                // the capacity of a bare packet, a lost frame that fits one was always deferred "to
                // the next packet", which began with the same ACK, and retransmissions stalled.
                // Every MESSAGE frame is ack-eliciting, unreliable ones too: counting only frames
                // with retransmission records let unreliable data bypass congestion control.
                int laneBytes = WriteLaneFrames(span.Slice(position, payloadEnd - position), payloadEnd - position);
                position += laneBytes;
                ackEliciting |= laneBytes > 0;
            }

            if ((_pingPending || _probesPending > 0) && !ackEliciting && position < payloadEnd)
            {
                span[position++] = FrameType.Ping;
                ackEliciting = true;
            }

            _pingPending = false;
            if (ackEliciting && _probesPending > 0)
            {
                _probesPending--;
            }
        }

        // A lane whose next frame fits an empty packet but not what the ACK left of this one waits
        // for a fresh packet (SendLane.WriteChunk). Dropping this packet would leave the ACK
        // pending, so every later packet would start with it too and the frame would never fit:
        // with nothing in flight and no ACK due, the session stalled until the next keepalive.
        // Send the ACK now instead; the next packet has the room.
        bool laneWaitsForRoom = mayElicit && ackLength > 0 && _activeCount > 0;
        if (position == HeaderSize || (!ackEliciting && position - HeaderSize == ackLength && !ackDue && !laneWaitsForRoom))
        {
            // Nothing to send, or only an acknowledgement that can still wait.
            _recordTail = recordStart;
            return 0;
        }

        if (ackLength > 0)
        {
            _received.OnAckSent();
        }

        if (mtuProbe)
        {
            // The probe's whole point is its size: pad it to the size being tested.
            span.Slice(position, payloadEnd - position).Clear();
            position = payloadEnd;
        }

        _probeNumbers[index] = mtuProbe ? packetNumber + 1 : 0; // +1: 0 means "not a probe"
        _keys.Send.Seal(packetNumber, span.Slice(0, HeaderSize), span.Slice(HeaderSize, position - HeaderSize), span.Slice(position, PacketProtection.TagSize));
        int length = position + PacketProtection.TagSize;
        _nextPacketNumber++;

        // A lost MTU probe leaves flight without a congestion response (the tracker knows it by the flag).
        bool inFlight = ackEliciting;
        if (!ackEliciting && _recordTail == recordStart)
        {
            _sent.OnUntrackedPacketSent(packetNumber);
        }
        else
        {
            _sent.OnPacketSent(new SentPacket
            {
                PacketNumber = packetNumber,
                TimeSent = now,
                Size = length,
                AckEliciting = ackEliciting,
                InFlight = inFlight,
                IsPathMtuProbe = mtuProbe,
                RecordStart = recordStart,
                RecordCount = (int)(_recordTail - recordStart),
            });
        }

        if (inFlight)
        {
            _pacer.OnPacketSent(now, length);
        }

        _packetsSent++;
        _bytesSent += length;
        if (!_pathValidated)
        {
            _bytesSentOnPath += length;
        }

        return length;
    }

    /// <summary>The smallest packet worth building: header, a PATH_CHALLENGE (or an ACK) and the tag.</summary>
    /// <summary>Whether anything besides an ACK waits to go: lane data or a control frame. Caller holds the lock.</summary>
    private bool HasFramesToSend =>
        _activeCount > 0 || _maxDataPending || _pingPending || _pathChallengePending || _pathResponsePending || _probesPending > 0;

    private int WriteLaneFrames(Span<byte> space, int emptyPacketCapacity)
    {
        int written = 0;
        int lanesToVisit = _activeCount;
        while (lanesToVisit-- > 0 && space.Length - written > 8)
        {
            int laneIndex = _activeLanes[_activeFirst];
            _activeFirst = (_activeFirst + 1) % LaneCount;
            _activeCount--;
            _laneActive[laneIndex] = false;

            SendLane lane = _sendLanes[laneIndex]!;
            _creditBlockedNow = false;
            written += lane.WriteFrames(space.Slice(written), emptyPacketCapacity, this);
            if (!lane.HasPendingData)
            {
                continue;
            }

            if (_creditBlockedNow)
            {
                // Parked until the peer's MAX_DATA raises our credit (see OnMaxData).
                _laneBlockedOnCredit[laneIndex] = true;
            }
            else
            {
                Activate(laneIndex);
            }
        }

        return written;
    }

    private void Activate(int laneIndex)
    {
        if (_laneActive[laneIndex])
        {
            return;
        }

        _laneActive[laneIndex] = true;
        _activeLanes[(_activeFirst + _activeCount) % LaneCount] = laneIndex;
        _activeCount++;
    }

    private byte[] EnsurePacketBuffer(int index, int size)
    {
        byte[]? buffer = _packetBuffers[index];
        if (buffer is null || buffer.Length < size)
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            buffer = ArrayPool<byte>.Shared.Rent(size);
            _packetBuffers[index] = buffer;
        }

        return buffer;
    }

    private void AddRecord(in FrameRecord record)
    {
        if (_recordTail - _recordHead == _records.Length)
        {
            var larger = new FrameRecord[_records.Length * 2];
            for (long i = _recordHead; i < _recordTail; i++)
            {
                larger[i & (larger.Length - 1)] = _records[i & (_records.Length - 1)];
            }

            _records = larger;
        }

        _records[_recordTail & (_records.Length - 1)] = record;
        _recordTail++;
    }

    bool ILaneSendContext.TryConsumeCredit(int bytes)
    {
        long cost = (long)bytes + CreditOverheadPerMessage;
        if (_creditUsed + cost > _peerMaxData)
        {
            _creditBlockedNow = true;
            return false;
        }

        _creditUsed += cost;
        return true;
    }

    void ILaneSendContext.RecordFrame(int laneIndex, ulong sequence, int offset, int length) =>
        AddRecord(new FrameRecord(laneIndex, sequence, offset, length));

    void ILaneSendContext.OnBytesReleased(int bytes)
    {
        _bufferedBytes -= bytes;
        if (_spaceAvailable is not null && _bufferedBytes + _options.MaxMessageSize / 16 <= _options.SendBufferLimit)
        {
            _spaceAvailable.TrySetResult();
            _spaceAvailable = null;
        }
    }

    /// <summary>A retransmittable piece of a packet: a lane's message range, or a control frame (negative lane).</summary>
    private readonly record struct FrameRecord(int Lane, ulong Sequence, int Offset, int Length)
    {
        public const int MaxDataLane = -1;
        public const int MtuProbeLane = -2;
        public const int PathChallengeLane = -3;

        public static FrameRecord MaxData => new(MaxDataLane, 0, 0, 0);

        public static FrameRecord MtuProbe(int size) => new(MtuProbeLane, 0, 0, size);

        public static FrameRecord PathChallenge => new(PathChallengeLane, 0, 0, 0);
    }
}

/// <summary>A scope in which sends are queued and flushed together at its end. See <see cref="Session.BeginBatch"/>.</summary>
public readonly struct SendBatch : IDisposable
{
    private readonly Session? _session;

    internal SendBatch(Session session) => _session = session;

    /// <summary>Closes the batch; the last open batch flushes the session.</summary>
    public void Dispose() => _session?.EndBatch();
}
