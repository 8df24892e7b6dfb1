using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using MeshHost.Transport.Network;
using MeshHost.Transport.Frames;
using MeshHost.Transport.Lanes;
using MeshHost.Transport.Recovery;
using MeshHost.Transport.Security;

namespace MeshHost.Transport;

public sealed partial class Session : ILaneReceiveContext
{
    // Reassembly objects kept for reuse (each ~300 bytes): enough that moderate loss, which holds
    // messages out of order, reuses them instead of allocating.
    private const int MaxPooledMessages = 256;
    private const int MaxAckRanges = 64;
    // One 65 KB packet of tiny messages delivers up to ~16,000 at once; keeping an array that size
    // means the steady state never regrows it. Only a long ordered run released at once goes beyond.
    private const int MaxRetainedDeliveries = 1 << 14;

    private readonly Stack<IncomingMessage> _messagePool = new();
    private Delivery[] _deliveries = new Delivery[64];
    private int _deliveryCount;

    private long _creditOpened;
    private long _creditFreed;
    private long _creditGranted;
    private bool _maxDataPending;
    private long _unreliableBuffered;
    private long _nextArrival; // stamps partial messages in the order they started arriving

    private bool _pathChallengePending;
    private ulong _pathChallenge;
    private bool _pathResponsePending;
    private ulong _pathResponse;
    private bool _pathValidated = true;
    private long _bytesReceivedOnPath;
    private long _bytesSentOnPath;

    private long _packetsSent;
    private long _packetsReceived;
    private long _bytesSent;
    private long _bytesReceived;
    private long _messagesReceived;
    private long _duplicatePackets;
    private long _authenticationFailures;
    private long _droppedFrames;

    /// <summary>
    /// Handles a Data packet addressed to this session. Called on the endpoint's receive thread with
    /// a scratch buffer that stays valid until the call returns.
    /// </summary>
    internal void OnDataPacket(ReadOnlySpan<byte> datagram, SocketAddress source, byte[] scratch)
    {
        bool flush;
        bool closed = false;
        lock (_lock)
        {
            if (_state != SessionState.Established)
            {
                return;
            }

            int payloadLength = datagram.Length - HeaderSize - PacketProtection.TagSize;
            if (payloadLength <= 0)
            {
                _endpoint.CountMalformed();
                return;
            }

            uint truncated = BinaryPrimitives.ReadUInt32BigEndian(datagram.Slice(1 + ConnectionId.Size));
            ulong packetNumber = _received.DecodePacketNumber(truncated);
            if (_received.IsDuplicate(packetNumber))
            {
                _duplicatePackets++;
                return;
            }

            if (!_keys.Receive.TryOpen(
                packetNumber, datagram.Slice(0, HeaderSize), datagram.Slice(HeaderSize, payloadLength), datagram.Slice(HeaderSize + payloadLength), scratch.AsSpan(0, payloadLength)))
            {
                _authenticationFailures++;
                return;
            }

            long now = _clock.NowMicroseconds;
            bool largest = !_received.HasReceived || packetNumber > _received.LargestReceived;
            FrameOutcome outcome = ProcessFrames(scratch, payloadLength, now);
            if (outcome.Violation is not null)
            {
                CloseLocked(outcome.ViolationCode, outcome.Violation, byPeer: false, sendClose: true);
                flush = false;
                closed = true;
            }
            else
            {
                _received.OnPacketReceived(packetNumber, outcome.AckEliciting, now);
                _packetsReceived++;
                _bytesReceived += datagram.Length;
                _lastReceiveTime = now;
                if (IsInitiator && !_handshakeConfirmed)
                {
                    // Only an established responder sends Data packets: our finish arrived.
                    _handshakeConfirmed = true;
                    _finishDatagram = null;
                }

                if (largest && !source.Equals(_remoteAddress) && !(_endpoint.IsIndirect(source) && !_endpoint.IsIndirect(_remoteAddress)))
                {
                    // A direct path is never given up for an indirect one (a relay) on the peer's
                    // say-so: a late relayed packet must not undo a move to a punched path.
                    OnPeerAddressChanged(source);
                }

                if (!_pathValidated)
                {
                    _bytesReceivedOnPath += datagram.Length;
                }

                // Flush only when something is due now; a delayed ACK waits for the timer.
                flush = _received.AckRequiredNow || HasFramesToSend;
            }

            if (outcome.PeerClosed is not null && _state == SessionState.Established)
            {
                CloseLocked(outcome.PeerClosed.Value.Code, outcome.PeerClosed.Value.Reason, byPeer: true, sendClose: false);
                flush = false;
                closed = true;
            }

            RearmTimer(now);
        }

        DispatchDeliveries();
        if (closed)
        {
            // As Close and the idle timeout do: without this, a session closed by its peer (or for a
            // protocol violation) stayed in the endpoint's table and the handler never heard of it.
            _endpoint.OnSessionClosed(this);
        }
        else if (flush)
        {
            Flush();
        }

        if (closed)
        {
            // Like Close and the idle timeout: the endpoint forgets the session and tells the
            // handler. Without this a session the peer closed (or that broke the protocol) stayed
            // in the endpoint's table, counted against MaxSessions, and its handler never heard.
            _endpoint.OnSessionClosed(this);
        }
    }

    private FrameOutcome ProcessFrames(byte[] plaintext, int length, long now)
    {
        var outcome = new FrameOutcome(AckEliciting: false, Violation: null, PeerClosed: null);
        int position = 0;
        Span<AckRange> ranges = stackalloc AckRange[MaxAckRanges];
        while (position < length)
        {
            byte type = plaintext[position];
            ReadOnlySpan<byte> rest = plaintext.AsSpan(position + 1, length - position - 1);
            if (FrameType.IsMessage(type))
            {
                if (!MessageFrameHeader.TryRead(plaintext.AsSpan(position, length - position), _options.MaxMessageSize, out MessageFrameHeader header, out int headerSize))
                {
                    return outcome with { Violation = "malformed MESSAGE frame" };
                }

                outcome.AckEliciting = true;
                int laneIndex = (header.Channel * 5) + (int)header.Method;
                ReceiveLane lane = _receiveLanes[laneIndex] ??= new ReceiveLane(header.Channel, header.Method);
                LaneViolation violation = lane.OnFrame(header, plaintext, position + headerSize, this);
                if (violation != LaneViolation.None)
                {
                    return outcome with
                    {
                        Violation = $"lane violation: {violation}",
                        ViolationCode = violation == LaneViolation.FlowControl ? CloseCode.FlowControlViolation : CloseCode.ProtocolViolation,
                    };
                }

                position += headerSize + header.Length;
                continue;
            }

            switch (type)
            {
                case FrameType.Padding:
                    position = length;
                    break;

                case FrameType.Ping:
                case FrameType.MtuProbe:
                    outcome.AckEliciting = true;
                    position++;
                    if (type == FrameType.MtuProbe)
                    {
                        position = length; // the rest is padding
                    }

                    break;

                case FrameType.Ack:
                {
                    if (!AckFrame.TryRead(rest, ranges, out int rangeCount, out long ackDelay, out int read))
                    {
                        return outcome with { Violation = "malformed ACK frame" };
                    }

                    AckOutcome ack = _sent.OnAckReceived(ranges.Slice(0, rangeCount), ackDelay, now, this);
                    if (ack.IsProtocolViolation)
                    {
                        return outcome with { Violation = $"bad ACK: {ack.Status}" };
                    }

                    if (ack.PersistentCongestion)
                    {
                        OnPersistentCongestion();
                    }

                    AdvanceRecordHead();
                    position += 1 + read;
                    break;
                }

                case FrameType.MaxData:
                {
                    if (!VarInt.TryRead(rest, out ulong maxData, out int read))
                    {
                        return outcome with { Violation = "malformed MAX_DATA frame" };
                    }

                    outcome.AckEliciting = true;
                    OnMaxData((long)Math.Min(maxData, long.MaxValue));
                    position += 1 + read;
                    break;
                }

                case FrameType.PathChallenge:
                case FrameType.PathResponse:
                {
                    if (rest.Length < 8)
                    {
                        return outcome with { Violation = "truncated PATH frame" };
                    }

                    outcome.AckEliciting = true;
                    ulong value = BinaryPrimitives.ReadUInt64BigEndian(rest);
                    if (type == FrameType.PathChallenge)
                    {
                        _pathResponse = value;
                        _pathResponsePending = true;
                    }
                    else if (!_pathValidated && value == _pathChallenge)
                    {
                        _pathValidated = true;
                    }

                    position += 9;
                    break;
                }

                case FrameType.Close:
                {
                    if (!VarInt.TryRead(rest, out ulong code, out int codeLength)
                        || !VarInt.TryRead(rest.Slice(codeLength), out ulong reasonLength, out int lengthLength)
                        || reasonLength > MaxCloseReasonBytes
                        || (ulong)(rest.Length - codeLength - lengthLength) < reasonLength)
                    {
                        return outcome with { Violation = "malformed CLOSE frame" };
                    }

                    string reason = Encoding.UTF8.GetString(rest.Slice(codeLength + lengthLength, (int)reasonLength));
                    outcome.PeerClosed = ((CloseCode)code, reason);
                    position = length;
                    break;
                }

                default:
                    return outcome with { Violation = $"unknown frame type 0x{type:x2}" };
            }
        }

        return outcome;
    }

    private void OnMaxData(long maxData)
    {
        if (maxData <= _peerMaxData)
        {
            return;
        }

        _peerMaxData = maxData;
        for (int i = 0; i < LaneCount; i++)
        {
            if (_laneBlockedOnCredit[i])
            {
                _laneBlockedOnCredit[i] = false;
                Activate(i);
            }
        }
    }

    private void OnPeerAddressChanged(SocketAddress source)
    {
        // The packet is authentic (it opened under the session key) and the newest we have seen, so
        // the peer moved, typically a NAT rebinding. Follow it, but send at most three times what
        // the new path sent us until it answers a challenge: an on-path attacker that rewrites
        // source addresses must not turn us into an amplifier.
        _remoteAddress = SocketAddressLayout.Copy(source);
        _remoteEndPoint = SocketAddressLayout.ToEndPoint(source);
        _pathValidated = false;
        _bytesReceivedOnPath = 0;
        _bytesSentOnPath = 0;
        _pathChallenge = BinaryPrimitives.ReadUInt64BigEndian(RandomNumberGenerator.GetBytes(8));
        _pathChallengePending = true;
        _endpoint.OnSessionMigrated(this);
        TransportLog.SessionMigrated(_logger, RemoteId.ToShortString(), _remoteEndPoint);
    }

    private void DispatchDeliveries()
    {
        // Runs outside the lock, on the receive thread; the packet's plaintext is still intact.
        int count = _deliveryCount;
        if (count == 0)
        {
            return;
        }

        ITransportHandler handler = _endpoint.Handler;
        bool anyOwned = false;
        for (int i = 0; i < count; i++)
        {
            ref Delivery delivery = ref _deliveries[i];
            try
            {
                // Another thread may have closed the session since these were gathered: the handler
                // hears nothing from a session after OnSessionClosed.
                if (IsOpen)
                {
                    handler.OnMessage(this, delivery.Channel, delivery.Method, delivery.Buffer.AsSpan(delivery.Offset, delivery.Length));
                }
            }
            catch (Exception ex)
            {
                _endpoint.CountHandlerFault();
                TransportLog.HandlerFault(_logger, RemoteId.ToShortString(), ex);
            }

            anyOwned |= delivery.Owned is not null;
        }

        // Reassembly buffers go back to the pool under one lock for the whole packet, not one each.
        if (anyOwned)
        {
            lock (_lock)
            {
                for (int i = 0; i < count; i++)
                {
                    if (_deliveries[i].Owned is { } owned)
                    {
                        ReturnToPool(owned);
                    }
                }
            }
        }

        _deliveries.AsSpan(0, count).Clear();
        _deliveryCount = 0;
        if (_deliveries.Length > MaxRetainedDeliveries)
        {
            // A long ordered run released at once grew the array; do not keep it for ever.
            _deliveries = new Delivery[MaxRetainedDeliveries];
        }
    }

    void ILaneReceiveContext.Deliver(byte channel, DeliveryMethod method, byte[] buffer, int offset, int length, IncomingMessage? owned)
    {
        if (_deliveryCount == _deliveries.Length)
        {
            Array.Resize(ref _deliveries, _deliveries.Length * 2);
        }

        _deliveries[_deliveryCount++] = new Delivery(channel, method, buffer, offset, length, owned);
        _messagesReceived++;
    }

    bool ILaneReceiveContext.OnCreditOpened(int bytes)
    {
        _creditOpened += (long)bytes + CreditOverheadPerMessage;
        return _creditOpened <= _creditGranted;
    }

    void ILaneReceiveContext.OnCreditFreed(int bytes)
    {
        _creditFreed += (long)bytes + CreditOverheadPerMessage;
        long limit = _creditFreed + _options.ReceiveWindow;

        // Announce new credit once a quarter of the window has been consumed, not per message; but
        // sooner if what is left could not admit a message of the largest size. Without that, a
        // sender that had used up to a quarter of the window waited for a MAX_DATA that only more
        // deliveries would bring: with the defaults (16 MiB messages, 17 MiB window), a 16 MiB
        // message sent after 7 MiB of others found 15 MiB of credit, and nothing was in flight.
        long largestMessageCost = (long)_options.MaxMessageSize + CreditOverheadPerMessage;
        if (limit > _creditGranted && (limit - _creditGranted >= _options.ReceiveWindow / 4 || _creditGranted - _creditFreed < largestMessageCost))
        {
            _creditGranted = limit;
            _maxDataPending = true;
        }
    }

    IncomingMessage? ILaneReceiveContext.RentMessage(int totalLength, bool flowControlled)
    {
        if (!flowControlled)
        {
            // Evict incomplete Unreliable and Sequenced messages, oldest first, to make room (as
            // docs/transport.md says). Refusing the newcomer instead, as before, let fragments lost
            // for good fill the cap, after which no fragmented message outside flow control was
            // ever delivered again on the session.
            while (_unreliableBuffered + totalLength > _options.MaxUnreliableReassemblyBytes && EvictOldestDroppablePartial())
            {
            }

            if (_unreliableBuffered + totalLength > _options.MaxUnreliableReassemblyBytes)
            {
                return null;
            }

            _unreliableBuffered += totalLength;
        }

        IncomingMessage message = _messagePool.Count > 0 ? _messagePool.Pop() : new IncomingMessage();
        message.Reset(totalLength, flowControlled);
        message.Arrival = _nextArrival++;
        return message;
    }

    /// <summary>
    /// Drops the partial message that started arriving first among the Unreliable and Sequenced
    /// lanes; false when they hold none. ReliableSequenced partials are never chosen: their
    /// fragments were acknowledged and would not be sent again.
    /// </summary>
    private bool EvictOldestDroppablePartial()
    {
        ReceiveLane? oldestLane = null;
        long oldest = long.MaxValue;
        foreach (ReceiveLane? lane in _receiveLanes)
        {
            if (lane is { Method: DeliveryMethod.Unreliable or DeliveryMethod.Sequenced, BufferedMessages: > 0 })
            {
                long arrival = lane.OldestPartialArrival;
                if (arrival < oldest)
                {
                    oldest = arrival;
                    oldestLane = lane;
                }
            }
        }

        if (oldestLane is null)
        {
            return false;
        }

        oldestLane.EvictPartialArrivedAt(oldest, this);
        return true;
    }

    void ILaneReceiveContext.ReturnMessage(IncomingMessage message) => ReturnToPool(message);

    void ILaneReceiveContext.CountDropped() => _droppedFrames++;

    private void ReturnToPool(IncomingMessage message)
    {
        if (!message.FlowControlled)
        {
            _unreliableBuffered -= message.TotalLength;
        }

        message.ReturnBuffer();
        if (_messagePool.Count < MaxPooledMessages)
        {
            _messagePool.Push(message);
        }
    }

    private readonly record struct Delivery(byte Channel, DeliveryMethod Method, byte[] Buffer, int Offset, int Length, IncomingMessage? Owned);

    private record struct FrameOutcome(bool AckEliciting, string? Violation, (CloseCode Code, string Reason)? PeerClosed)
    {
        public CloseCode ViolationCode { get; init; } = CloseCode.ProtocolViolation;
    }
}
