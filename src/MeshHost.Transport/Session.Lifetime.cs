using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using MeshHost.Transport.Frames;
using MeshHost.Transport.Lanes;
using MeshHost.Transport.Network;
using MeshHost.Transport.Recovery;
using MeshHost.Transport.Security;

namespace MeshHost.Transport;

// Loss recovery callbacks, timers, path MTU discovery, close and statistics.
public sealed partial class Session : IRecoveryHandler
{
    internal const int MaxCloseReasonBytes = 256;

    private int _datagramSize;
    private int _mtuProbeSize;
    private int _mtuLow;   // largest size known to work
    private int _mtuHigh;  // smallest size known (or assumed) not to work
    private bool _mtuProbeInFlight;
    private bool _mtuSearchDone;
    private long _mtuSearchDoneAt;
    private int _mtuMaximum; // one more than the largest size the socket and the options allow

    // How long a finished MTU search rests before it probes above what works again (µs).
    private const long MtuRaiseInterval = 10L * 60 * 1_000_000;

    /// <summary>Internal state for diagnosing a stuck session in tests and benchmarks.</summary>
    internal string DebugState()
    {
        lock (_lock)
        {
            return $"buffered={_bufferedBytes} activeLanes={_activeCount} credit={_creditUsed}/{_peerMaxData} opened={_creditOpened} freed={_creditFreed} granted={_creditGranted} records={_recordTail - _recordHead} outstanding={_sent.OutstandingCount} cwnd={_sent.CongestionController.CongestionWindow} inFlight={_sent.CongestionController.BytesInFlight} flushing={_flushing} state={_state}";
        }
    }

    /// <summary>A snapshot of the session's counters and estimates.</summary>
    public SessionStatistics GetStatistics()
    {
        lock (_lock)
        {
            RttEstimator rtt = _sent.Rtt;
            return new SessionStatistics
            {
                SmoothedRtt = TimeSpan.FromMicroseconds(rtt.SmoothedRtt),
                MinRtt = TimeSpan.FromMicroseconds(rtt.HasSample ? rtt.MinRtt : 0),
                CongestionWindow = _sent.CongestionController.CongestionWindow,
                BytesInFlight = _sent.CongestionController.BytesInFlight,
                DatagramSize = _datagramSize,
                PacketsSent = _packetsSent,
                PacketsReceived = _packetsReceived,
                BytesSent = _bytesSent,
                BytesReceived = _bytesReceived,
                PacketsLost = _packetsLost,
                Retransmissions = _retransmissions,
                MessagesReceived = _messagesReceived,
                MessagesSent = _messagesSent,
                DuplicatePackets = _duplicatePackets,
                AuthenticationFailures = _authenticationFailures,
                DroppedFrames = _droppedFrames,
            };
        }
    }

    /// <summary>
    /// Closes the session with a reason the peer reads. Queued data that was not yet delivered is
    /// discarded. Idempotent.
    /// </summary>
    public void Close(string reason = "closed", CloseCode code = CloseCode.Normal)
    {
        ArgumentNullException.ThrowIfNull(reason);
        bool notify;
        lock (_lock)
        {
            notify = _state == SessionState.Established;
            if (notify)
            {
                CloseLocked(code, reason, byPeer: false, sendClose: true);
            }
        }

        if (notify)
        {
            _endpoint.OnSessionClosed(this);
        }
    }

    private long _packetsLost;

    private long _lastFinishAnswer = long.MinValue;

    /// <summary>
    /// The initiator sent its finish again: answer with a PING, at most once per smoothed RTT (and
    /// never more often than every millisecond), since the datagram is not authenticated here.
    /// </summary>
    internal void OnRepeatedFinish()
    {
        lock (_lock)
        {
            long now = _clock.NowMicroseconds;
            if (now - _lastFinishAnswer < Math.Max(_sent.Rtt.SmoothedRtt, 1_000))
            {
                return;
            }

            _lastFinishAnswer = now;
        }

        RequestPing();
    }

    /// <summary>Makes the next flush carry a PING (an ack-eliciting packet), and flushes.</summary>
    /// <summary>
    /// Moves the session to <paramref name="remote"/> (a hole-punched direct path replacing a relayed
    /// one): packets go there from now on, starting with a PING, and the peer follows the first of
    /// them like any NAT rebinding (its path validation included). Nothing in flight is lost:
    /// unacknowledged frames are retransmitted on the new path by loss recovery, in order.
    /// </summary>
    /// <param name="remote">The new address; the caller has proven the peer answers there.</param>
    /// <returns>False when the session is closed or already there.</returns>
    public bool MigrateTo(IPEndPoint remote)
    {
        ArgumentNullException.ThrowIfNull(remote);
        SocketAddress address = TransportEndpoint.ToPeerAddress(remote);
        lock (_lock)
        {
            if (_state != SessionState.Established || address.Equals(_remoteAddress))
            {
                return false;
            }

            _remoteAddress = address;
            _remoteEndPoint = SocketAddressLayout.ToEndPoint(address);
            _pathValidated = true; // chosen by us, not by a packet's source: nothing to amplify
            _pingPending = true;
        }

        _endpoint.OnSessionMigrated(this);
        TransportLog.SessionMigrated(_logger, RemoteId.ToShortString(), remote);
        Flush();
        return true;
    }

    internal void RequestPing()
    {
        lock (_lock)
        {
            _pingPending = true;
        }

        Flush();
    }

    void IRecoveryHandler.OnPacketAcked(in SentPacket packet)
    {
        for (long i = packet.RecordStart; i < packet.RecordStart + packet.RecordCount; i++)
        {
            FrameRecord record = _records[i & (_records.Length - 1)];
            if (record.Lane >= 0)
            {
                _sendLanes[record.Lane]?.OnAcknowledged(record.Sequence, record.Offset, record.Length, this);
            }
            else if (record.Lane == FrameRecord.MtuProbeLane)
            {
                OnMtuProbeResult(record.Length, success: true);
            }
        }
    }

    void IRecoveryHandler.OnPacketLost(in SentPacket packet)
    {
        _packetsLost++;
        for (long i = packet.RecordStart; i < packet.RecordStart + packet.RecordCount; i++)
        {
            FrameRecord record = _records[i & (_records.Length - 1)];
            if (record.Lane >= 0)
            {
                SendLane? lane = _sendLanes[record.Lane];
                if (lane is not null)
                {
                    lane.OnLost(record.Sequence, record.Offset, record.Length);
                    _retransmissions++;

                    // Even on a lane parked for credit: a retransmission needs none (its message took
                    // credit when first sent), and the credit may only come back once the receiver
                    // gets exactly this range. Parking it deadlocked the lane; WriteLaneFrames parks
                    // the lane again once its retransmissions are out and new data finds no credit.
                    if (lane.HasPendingData)
                    {
                        Activate(record.Lane);
                    }
                }
            }
            else if (record.Lane == FrameRecord.MaxDataLane)
            {
                _maxDataPending = true; // the newest value goes out again
            }
            else if (record.Lane == FrameRecord.PathChallengeLane && !_pathValidated)
            {
                _pathChallengePending = true; // the path stays unvalidated until a challenge is answered
            }
            else if (record.Lane == FrameRecord.MtuProbeLane)
            {
                OnMtuProbeResult(record.Length, success: false);
            }
        }
    }

    void IRecoveryHandler.OnProbeTimeout(int probeCount)
    {
        // Send one or two ack-eliciting packets, new data if any, even past the congestion window.
        _probesPending = Math.Min(2, Math.Max(1, probeCount));
        if (IsInitiator && !_handshakeConfirmed)
        {
            _resendFinish = true;
        }
    }

    private void OnPersistentCongestion()
    {
        // Possibly a black hole for our packet size: fall back to the safe minimum and search again.
        if (_datagramSize > MinimumDatagramSize)
        {
            _datagramSize = MinimumDatagramSize;
            _mtuLow = _datagramSize;
            _mtuSearchDone = false;
            _sent.CongestionController.SetMaxDatagramSize(_datagramSize);
        }
    }

    private void AdvanceRecordHead()
    {
        // Records are freed in order: up to the oldest packet still awaiting its fate.
        _recordHead = _sent.TryGetOldestOutstanding(out SentPacket oldest) ? oldest.RecordStart : _recordTail;
    }

    private void InitializeMtuDiscovery(int socketMaximum)
    {
        _mtuLow = _datagramSize;
        _mtuMaximum = Math.Min(_options.MaxDatagramSize, socketMaximum) + 1;
        _mtuHigh = _mtuMaximum;
        _mtuSearchDone = !_options.EnableMtuDiscovery || _mtuHigh - _mtuLow <= 1;
    }

    private bool ShouldSendMtuProbe(long now)
    {
        if (_mtuSearchDone && _options.EnableMtuDiscovery && _mtuHigh < _mtuMaximum && now - _mtuSearchDoneAt >= MtuRaiseInterval)
        {
            // One lost probe lowered the ceiling; the path may carry more after all (or has changed).
            // Search above what works again from time to time (RFC 8899's raise timer).
            _mtuHigh = _mtuMaximum;
            _mtuSearchDone = false;
        }

        if (_mtuSearchDone || _mtuProbeInFlight || !_handshakeConfirmed || !_pathValidated)
        {
            return false;
        }

        // Binary search between what works and what does not; stop within 1% or 32 bytes.
        if (_mtuHigh - _mtuLow <= Math.Max(32, _mtuLow / 100))
        {
            _mtuSearchDone = true;
            _mtuSearchDoneAt = now;
            return false;
        }

        _mtuProbeSize = _mtuLow + ((_mtuHigh - _mtuLow) / 2);
        return true;
    }

    private void OnMtuProbeResult(int size, bool success)
    {
        _mtuProbeInFlight = false;
        if (success)
        {
            if (size > _mtuLow)
            {
                _mtuLow = size;
                if (size > _datagramSize)
                {
                    _datagramSize = size;
                    _sent.CongestionController.SetMaxDatagramSize(size);
                }
            }
        }
        else if (size < _mtuHigh)
        {
            _mtuHigh = size;
        }
    }

    private void OnDatagramTooLarge(int size)
    {
        // The local stack refused it (the DF bit and the interface MTU): as good as a lost probe.
        OnMtuProbeResult(size, success: false);
        if (size <= _datagramSize && _datagramSize > MinimumDatagramSize)
        {
            // An ordinary packet, not a probe: the route changed under us. Fall back to the safe
            // size at once instead of failing every full-size packet until persistent congestion.
            _datagramSize = MinimumDatagramSize;
            _mtuLow = MinimumDatagramSize;
            _sent.CongestionController.SetMaxDatagramSize(_datagramSize);
        }
    }

    private void RearmTimer(long now)
    {
        if (_state != SessionState.Established)
        {
            return;
        }

        // An ACK or keepalive already overdue was attempted by the flush that runs with every
        // rearm; if it is still pending, only an event can lift what blocks it (the 3x budget of an
        // unvalidated path, a full congestion window): the next packet from the peer flushes again,
        // and the loss timer covers the window. Arming for an instant already past would make the
        // timer fire again at once, forever.
        long ackDeadline = _received.AckDeadline;
        long keepAliveDeadline = _lastSendTime + (long)_options.KeepAliveInterval.TotalMicroseconds;
        long deadline = Math.Min(_sent.LossDetectionTimer(now), _lastReceiveTime + (long)_options.IdleTimeout.TotalMicroseconds);
        if (ackDeadline > now)
        {
            deadline = Math.Min(deadline, ackDeadline);
        }

        if (keepAliveDeadline > now)
        {
            deadline = Math.Min(deadline, keepAliveDeadline);
        }

        if (HasFramesToSend && !_pacer.CanSendNow(now, _datagramSize))
        {
            // Frames the pacer holds back need a wake-up of their own: MAX_DATA in particular, or a
            // peer waiting for credit would wait for the next keepalive.
            deadline = Math.Min(deadline, _pacer.NextSendTime(now, _datagramSize));
        }

        // Deadlines mostly move later (every send pushes the probe timeout out), and changing the
        // timer costs a lock in the runtime's timer queue each time. So the timer is only moved
        // earlier; when it fires before anything is due, OnTimer re-arms it for the real deadline.
        if (deadline >= _armedDeadline)
        {
            return;
        }

        _armedDeadline = deadline;
        if (deadline == long.MaxValue)
        {
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
        else
        {
            _timer.Change(TimeSpan.FromMicroseconds(Math.Max(0, deadline - now)), Timeout.InfiniteTimeSpan);
        }
    }

    private void OnTimer()
    {
        // A timer callback must never throw: on the system clock that would end the process.
        try
        {
            OnTimerCore();
        }
        catch (Exception ex)
        {
            Fault("timer", ex);
        }
    }

    /// <summary>Contains a defect: logs it and closes this session, so that nothing escapes onto a timer or receive thread.</summary>
    internal void Fault(string where, Exception exception)
    {
        TransportLog.SessionFault(_logger, RemoteId.ToShortString(), where, exception);
        try
        {
            Close($"internal error in {where}", CloseCode.InternalError);
        }
        catch (Exception closeFailure)
        {
            TransportLog.SessionFault(_logger, RemoteId.ToShortString(), "close", closeFailure);
        }
    }

    private void OnTimerCore()
    {
        bool closed = false;
        lock (_lock)
        {
            if (_state != SessionState.Established)
            {
                return;
            }

            long now = _clock.NowMicroseconds;
            _armedDeadline = long.MaxValue;
            if (now - _lastReceiveTime >= (long)_options.IdleTimeout.TotalMicroseconds)
            {
                CloseLocked(CloseCode.IdleTimeout, "nothing received for " + _options.IdleTimeout, byPeer: false, sendClose: true);
                closed = true;
            }
            else
            {
                if (now >= _sent.LossDetectionTimer(now))
                {
                    _sent.OnLossDetectionTimeout(now, this);
                    AdvanceRecordHead();
                }

                if (now - _lastSendTime >= (long)_options.KeepAliveInterval.TotalMicroseconds)
                {
                    _pingPending = true;
                }

                RearmTimer(now);
            }
        }

        if (closed)
        {
            _endpoint.OnSessionClosed(this);
            return;
        }

        Flush();
    }

    /// <summary>Marks the session closed, sends CLOSE frames if asked, and releases buffers. Caller holds the lock and notifies the endpoint.</summary>
    private void CloseLocked(CloseCode code, string reason, bool byPeer, bool sendClose)
    {
        if (_state == SessionState.Closed)
        {
            return;
        }

        _closeReason = new CloseReason(code, reason, byPeer);
        if (sendClose)
        {
            SendCloseFrames(code, reason);
        }

        _state = SessionState.Closed;
        _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _spaceAvailable?.TrySetResult();
        _spaceAvailable = null;
        foreach (ReceiveLane? lane in _receiveLanes)
        {
            lane?.Release(this);
        }

        foreach (SendLane? lane in _sendLanes)
        {
            lane?.Dispose();
        }

        TransportLog.SessionClosed(_logger, RemoteId.ToShortString(), _closeReason.ToString());
    }

    private void SendCloseFrames(CloseCode code, string reason)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(MinimumDatagramSize);
        try
        {
            Span<byte> span = buffer.AsSpan(0, MinimumDatagramSize);
            ulong packetNumber = _nextPacketNumber++;
            span[0] = PacketTypes.Data;
            RemoteCid.WriteTo(span.Slice(1));
            BinaryPrimitives.WriteUInt32BigEndian(span.Slice(1 + ConnectionId.Size), (uint)packetNumber);
            int position = HeaderSize;
            span[position++] = FrameType.Close;
            position += VarInt.Write(span.Slice(position), (ulong)code);
            int reasonBytes = TruncatedUtf8Length(reason, MaxCloseReasonBytes);
            position += VarInt.Write(span.Slice(position), (ulong)reasonBytes);
            position += Encoding.UTF8.GetBytes(reason.AsSpan(0, CharsFor(reason, reasonBytes)), span.Slice(position));
            _keys.Send.Seal(packetNumber, span.Slice(0, HeaderSize), span.Slice(HeaderSize, position - HeaderSize), span.Slice(position, PacketProtection.TagSize));
            int length = position + PacketProtection.TagSize;

            // CLOSE is not retransmitted: it goes out three times so that one loss does not hide it,
            // but never beyond the 3x budget of an unvalidated address (a spoofed one may be the
            // reason the session is closing).
            for (int i = 0; i < 3; i++)
            {
                if (!_pathValidated && _bytesSentOnPath + length > 3 * _bytesReceivedOnPath)
                {
                    break;
                }

                _endpoint.Socket.Send(span.Slice(0, length), _remoteAddress);
                if (!_pathValidated)
                {
                    _bytesSentOnPath += length;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static int TruncatedUtf8Length(string text, int maxBytes) => Encoding.UTF8.GetByteCount(text.AsSpan(0, CharsFor(text, maxBytes)));

    private static int CharsFor(string text, int maxBytes)
    {
        // The longest prefix, ending on a whole character, whose UTF-8 fits in maxBytes.
        int bytes = 0;
        int chars = 0;
        while (chars < text.Length)
        {
            int width = char.IsHighSurrogate(text[chars]) && chars + 1 < text.Length ? 2 : 1;
            int size = Encoding.UTF8.GetByteCount(text.AsSpan(chars, width));
            if (bytes + size > maxBytes)
            {
                break;
            }

            bytes += size;
            chars += width;
        }

        return chars;
    }
}
