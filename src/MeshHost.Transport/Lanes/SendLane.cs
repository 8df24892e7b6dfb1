using MeshHost.Transport.Frames;
using MeshHost.Transport.Recovery;

namespace MeshHost.Transport.Lanes;

/// <summary>What a lane needs from its session while it writes frames into a packet.</summary>
internal interface ILaneSendContext
{
    /// <summary>Takes flow-control credit for a reliable message about to be sent for the first time.</summary>
    bool TryConsumeCredit(int bytes);

    /// <summary>Remembers that the packet being built carries this reliable range, for acknowledgement or retransmission.</summary>
    void RecordFrame(int laneIndex, ulong sequence, int offset, int length);

    /// <summary>Tells the session that the lane no longer holds these bytes (acknowledged, sent unreliably, or abandoned).</summary>
    void OnBytesReleased(int bytes);
}

/// <summary>
/// The sending half of one lane (a channel and a delivery method): queued messages, what was sent,
/// what was acknowledged, and what must be sent again. Single-threaded: the session calls it under
/// its lock.
/// </summary>
internal sealed class SendLane : IDisposable
{
    // Below this many bytes of room a message is not worth fragmenting into the current packet:
    // it goes whole into the next one.
    private const int MinimumFragment = 64;

    private readonly ByteRing _data = new();
    private readonly bool _reliable;
    private readonly bool _flowControlled;
    private OutgoingMessage[] _messages = new OutgoingMessage[16];
    private int _firstIndex;
    private int _count;
    private ulong _firstSequence;
    private int _cursor; // messages before it (relative to the first) have been handed out in full at least once
    private RetransmitRange[] _retransmits = new RetransmitRange[16];
    private int _retransmitFirst;
    private int _retransmitCount;

    public SendLane(int index, byte channel, DeliveryMethod method)
    {
        Index = index;
        Channel = channel;
        Method = method;
        _reliable = method is DeliveryMethod.ReliableOrdered or DeliveryMethod.ReliableUnordered or DeliveryMethod.ReliableSequenced;

        // Credit is counted per message on both sides, so it only works where every message is
        // eventually delivered. A superseded ReliableSequenced message may never reach the receiver
        // at all; its partial data is bounded by the receiver's reassembly cap instead.
        _flowControlled = method is DeliveryMethod.ReliableOrdered or DeliveryMethod.ReliableUnordered;
    }

    public int Index { get; }

    public byte Channel { get; }

    public DeliveryMethod Method { get; }

    /// <summary>The bytes this lane holds: queued, in flight, or waiting for acknowledgement.</summary>
    public int BufferedBytes => _data.Count;

    public bool HasPendingData => _retransmitCount > 0 || _cursor < _count;

    /// <summary>Queues a message. The caller has checked the session's send bound and the message size.</summary>
    public void Enqueue(ReadOnlySpan<byte> message, ILaneSendContext context)
    {
        if (Method == DeliveryMethod.ReliableSequenced)
        {
            SupersedeOlderMessages();

            // Superseded messages are done: free them now, not when (if ever) their packets are acked.
            ReleaseCompletedHead(context);
        }

        if (_count == _messages.Length)
        {
            GrowMessages();
        }

        ulong offset = _data.Append(message);
        ref OutgoingMessage slot = ref _messages[(_firstIndex + _count) & (_messages.Length - 1)];
        slot = new OutgoingMessage { Offset = offset, Length = message.Length };
        _count++;
    }

    /// <summary>
    /// Writes as many frames as fit into <paramref name="space"/>: lost ranges first, then new data.
    /// Returns the bytes written; 0 when nothing fits or nothing is pending (or credit is exhausted).
    /// </summary>
    public int WriteFrames(Span<byte> space, int emptyPacketCapacity, ILaneSendContext context)
    {
        int written = 0;
        while (_retransmitCount > 0)
        {
            ref RetransmitRange range = ref _retransmits[_retransmitFirst];
            if (!TryFindMessage(range.Sequence, out int messageIndex) || IsAcknowledged(ref _messages[messageIndex], range.Offset, range.Length))
            {
                PopRetransmit();
                continue;
            }

            ref OutgoingMessage message = ref _messages[messageIndex];
            int chunk = WriteChunk(space.Slice(written), emptyPacketCapacity, range.Sequence, ref message, range.Offset, range.Length, retransmit: true, context);
            if (chunk == 0)
            {
                return written;
            }

            written += chunk;
        }

        while (_cursor < _count)
        {
            if (_flowControlled && _cursor >= ReceiveLane.MaxMessagesInFlight)
            {
                // The receiver refuses a sequence this far past our oldest unacknowledged message
                // (it bounds its reorder state that way); wait for acknowledgements.
                return written;
            }

            int messageIndex = (_firstIndex + _cursor) & (_messages.Length - 1);
            ref OutgoingMessage message = ref _messages[messageIndex];
            ulong sequence = _firstSequence + (ulong)_cursor;
            if (_flowControlled && !message.CreditTaken)
            {
                if (!context.TryConsumeCredit(message.Length))
                {
                    return written;
                }

                message.CreditTaken = true;
            }

            int before = message.SentBytes;
            int chunk = WriteChunk(space.Slice(written), emptyPacketCapacity, sequence, ref message, before, message.Length - before, retransmit: false, context);
            if (chunk == 0)
            {
                return written;
            }

            written += chunk;
            if (message.SentBytes == message.Length)
            {
                _cursor++;
                if (!_reliable)
                {
                    // Unreliable data is never sent twice: it is done the moment it is fully handed out.
                    message.Done = true;
                    ReleaseCompletedHead(context);
                }
            }
        }

        return written;
    }

    /// <summary>A packet carrying this range was acknowledged.</summary>
    public void OnAcknowledged(ulong sequence, int offset, int length, ILaneSendContext context)
    {
        if (!TryFindMessage(sequence, out int index))
        {
            return;
        }

        ref OutgoingMessage message = ref _messages[index];
        if (message.Done)
        {
            ReleaseCompletedHead(context);
            return;
        }

        if (offset == 0 && length == message.Length)
        {
            message.Done = true;
        }
        else
        {
            message.Acked ??= new RangeSet(maxIntervals: 1 << 20);
            message.Acked.Add((ulong)offset, (ulong)offset + (ulong)length);
            message.Done = message.Acked.Covers(0, (ulong)message.Length);
        }

        if (message.Done)
        {
            ReleaseCompletedHead(context);
        }
    }

    /// <summary>A packet carrying this range was declared lost: queue the range to be sent again, unless it no longer matters.</summary>
    public void OnLost(ulong sequence, int offset, int length)
    {
        if (!TryFindMessage(sequence, out int index) || _messages[index].Done)
        {
            return;
        }

        if (_retransmitCount == _retransmits.Length)
        {
            GrowRetransmits();
        }

        _retransmits[(_retransmitFirst + _retransmitCount) & (_retransmits.Length - 1)] = new RetransmitRange(sequence, offset, length);
        _retransmitCount++;
    }

    public void Dispose() => _data.Dispose();

    private int WriteChunk(
        Span<byte> space, int emptyPacketCapacity, ulong sequence, ref OutgoingMessage message, int offset, int length, bool retransmit, ILaneSendContext context)
    {
        var header = new MessageFrameHeader
        {
            Method = Method,
            Channel = Channel,
            Sequence = sequence,
            TotalLength = message.Length,
            FragmentOffset = offset,
            Length = length,
            IsFragment = length != message.Length,
        };

        int frameSize = header.Size + length;
        if (frameSize > space.Length)
        {
            if (frameSize <= emptyPacketCapacity && space.Length < emptyPacketCapacity)
            {
                return 0; // fits whole in the next packet: do not split it
            }

            header.IsFragment = true;
            int overhead = 2 + VarInt.SizeOf(sequence) + VarInt.SizeOf((ulong)message.Length) + VarInt.SizeOf((ulong)offset) + VarInt.SizeOf((ulong)space.Length);
            int room = space.Length - overhead;
            if (room <= 0 || (room < MinimumFragment && space.Length < emptyPacketCapacity))
            {
                return 0;
            }

            header.Length = Math.Min(length, room);
        }

        int headerSize = header.Write(space);
        _data.CopyTo(message.Offset + (ulong)offset, space.Slice(headerSize, header.Length));
        if (_reliable)
        {
            context.RecordFrame(Index, sequence, offset, header.Length);
        }

        if (!retransmit)
        {
            message.SentBytes += header.Length;
        }
        else
        {
            ref RetransmitRange range = ref _retransmits[_retransmitFirst];
            range = new RetransmitRange(range.Sequence, range.Offset + header.Length, range.Length - header.Length);
            if (range.Length == 0)
            {
                PopRetransmit();
            }
        }

        return headerSize + header.Length;
    }

    private static bool IsAcknowledged(ref OutgoingMessage message, int offset, int length) =>
        message.Done || (message.Acked is not null && message.Acked.Covers((ulong)offset, (ulong)offset + (ulong)length));

    private bool TryFindMessage(ulong sequence, out int index)
    {
        if (sequence < _firstSequence || sequence >= _firstSequence + (ulong)_count)
        {
            index = -1;
            return false;
        }

        index = (int)((ulong)_firstIndex + (sequence - _firstSequence)) & (_messages.Length - 1);
        return true;
    }

    private void ReleaseCompletedHead(ILaneSendContext context)
    {
        while (_count > 0 && _messages[_firstIndex].Done && _cursor > 0)
        {
            ref OutgoingMessage head = ref _messages[_firstIndex];
            int released = head.Length;
            head = default;
            _firstIndex = (_firstIndex + 1) & (_messages.Length - 1);
            _count--;
            _cursor--;
            _firstSequence++;
            ulong newHead = _count > 0 ? _messages[_firstIndex].Offset : _data.Tail;
            _data.ReleaseTo(newHead);
            context.OnBytesReleased(released);
        }
    }

    private void SupersedeOlderMessages()
    {
        // ReliableSequenced: only the newest message matters. Older ones that were never started are
        // dropped outright; ones partly sent are marked done so their retransmissions are skipped.
        for (int i = 0; i < _count; i++)
        {
            ref OutgoingMessage message = ref _messages[(_firstIndex + i) & (_messages.Length - 1)];
            message.Done = true;
        }

        _cursor = _count;
        _retransmitCount = 0;
    }

    private void PopRetransmit()
    {
        _retransmits[_retransmitFirst] = default;
        _retransmitFirst = (_retransmitFirst + 1) & (_retransmits.Length - 1);
        _retransmitCount--;
    }

    private void GrowMessages()
    {
        var larger = new OutgoingMessage[_messages.Length * 2];
        for (int i = 0; i < _count; i++)
        {
            larger[i] = _messages[(_firstIndex + i) & (_messages.Length - 1)];
        }

        _messages = larger;
        _firstIndex = 0;
    }

    private void GrowRetransmits()
    {
        var larger = new RetransmitRange[_retransmits.Length * 2];
        for (int i = 0; i < _retransmitCount; i++)
        {
            larger[i] = _retransmits[(_retransmitFirst + i) & (_retransmits.Length - 1)];
        }

        _retransmits = larger;
        _retransmitFirst = 0;
    }

    private struct OutgoingMessage
    {
        public ulong Offset;
        public int Length;
        public int SentBytes;
        public bool CreditTaken;
        public bool Done;
        public RangeSet? Acked;
    }

    private readonly record struct RetransmitRange(ulong Sequence, int Offset, int Length);
}
