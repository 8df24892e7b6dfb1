using MeshHost.Transport.Frames;

namespace MeshHost.Transport.Lanes;

/// <summary>What a lane needs from its session while it takes frames apart.</summary>
internal interface ILaneReceiveContext
{
    /// <summary>
    /// Queues a complete message for the application. <paramref name="buffer"/> is either the
    /// packet's plaintext (<paramref name="owned"/> false, valid until the packet is done) or an
    /// <see cref="IncomingMessage"/>'s buffer that the session returns after delivery.
    /// </summary>
    void Deliver(byte channel, DeliveryMethod method, byte[] buffer, int offset, int length, IncomingMessage? owned);

    /// <summary>A flow-controlled message was seen for the first time; false if that breaks the credit we granted.</summary>
    bool OnCreditOpened(int bytes);

    /// <summary>A flow-controlled message left the receive side (delivered).</summary>
    void OnCreditFreed(int bytes);

    /// <summary>Rents a reassembly buffer for a message of <paramref name="totalLength"/> bytes, or null when the session's cap for data outside flow control is reached.</summary>
    IncomingMessage? RentMessage(int totalLength, bool flowControlled);

    /// <summary>Returns a reassembly buffer that will not be delivered.</summary>
    void ReturnMessage(IncomingMessage message);

    /// <summary>Counts a frame dropped because it was stale, duplicated or over a bound.</summary>
    void CountDropped();
}

/// <summary>The outcome of a frame that breaks the protocol (the session closes on it).</summary>
internal enum LaneViolation
{
    None,
    FlowControl,
    TooManyMessagesInFlight,
    InconsistentFragment,
    TooFragmented,
}

/// <summary>
/// The receiving half of one lane: duplicate suppression, ordering, fragment reassembly, and the
/// rules of its delivery method. Single-threaded: the session calls it under its lock.
/// </summary>
internal sealed class ReceiveLane
{
    /// <summary>How far ahead of the oldest undelivered message a reliable sequence number may be.</summary>
    public const int MaxMessagesInFlight = 1 << 16;

    // Unreliable lanes keep at most this many partly reassembled messages.
    private const int MaxUnreliablePartials = 64;

    private readonly Dictionary<ulong, IncomingMessage> _partials = [];
    private ulong _next;           // ordered and unordered: every sequence below it was delivered
    private ulong _lastDelivered;  // sequenced methods: the newest delivered, valid when _anyDelivered
    private bool _anyDelivered;
    private DeliveredSet _deliveredAhead; // unordered: sequences at or above _next already delivered

    public ReceiveLane(byte channel, DeliveryMethod method)
    {
        Channel = channel;
        Method = method;
    }

    public byte Channel { get; }

    public DeliveryMethod Method { get; }

    /// <summary>Messages held partly reassembled or out of order.</summary>
    public int BufferedMessages => _partials.Count;

    /// <summary>Bytes of the messages held partly reassembled or out of order (their full lengths).</summary>
    public long BufferedBytes
    {
        get
        {
            long total = 0;
            foreach (IncomingMessage message in _partials.Values)
            {
                total += message.TotalLength;
            }

            return total;
        }
    }

    public LaneViolation OnFrame(in MessageFrameHeader frame, byte[] packet, int dataOffset, ILaneReceiveContext context) => Method switch
    {
        DeliveryMethod.ReliableOrdered => OnOrdered(frame, packet, dataOffset, context),
        DeliveryMethod.ReliableUnordered => OnUnordered(frame, packet, dataOffset, context),
        DeliveryMethod.Unreliable => OnUnreliable(frame, packet, dataOffset, context),
        _ => OnSequenced(frame, packet, dataOffset, context),
    };

    /// <summary>The <see cref="IncomingMessage.Arrival"/> of the earliest message held, or <see cref="long.MaxValue"/>.</summary>
    public long OldestPartialArrival
    {
        get
        {
            long oldest = long.MaxValue;
            foreach (IncomingMessage message in _partials.Values)
            {
                oldest = Math.Min(oldest, message.Arrival);
            }

            return oldest;
        }
    }

    /// <summary>Drops the held message with this <see cref="IncomingMessage.Arrival"/> (the session makes room).</summary>
    public void EvictPartialArrivedAt(long arrival, ILaneReceiveContext context)
    {
        foreach (KeyValuePair<ulong, IncomingMessage> pair in _partials)
        {
            if (pair.Value.Arrival == arrival)
            {
                _partials.Remove(pair.Key);
                context.ReturnMessage(pair.Value);
                context.CountDropped();
                return;
            }
        }
    }

    /// <summary>Returns every buffer the lane holds (the session is closing).</summary>
    public void Release(ILaneReceiveContext context)
    {
        foreach (IncomingMessage message in _partials.Values)
        {
            context.ReturnMessage(message);
        }

        _partials.Clear();
    }

    private LaneViolation OnOrdered(in MessageFrameHeader frame, byte[] packet, int dataOffset, ILaneReceiveContext context)
    {
        if (frame.Sequence < _next)
        {
            context.CountDropped(); // a retransmission of something already delivered
            return LaneViolation.None;
        }

        if (frame.Sequence - _next >= MaxMessagesInFlight)
        {
            return LaneViolation.TooManyMessagesInFlight;
        }

        if (frame.Sequence == _next && !frame.IsFragment && !_partials.ContainsKey(frame.Sequence))
        {
            // The common case: the next message, whole. Deliver straight from the packet.
            if (!context.OnCreditOpened(frame.TotalLength))
            {
                return LaneViolation.FlowControl;
            }

            context.Deliver(Channel, Method, packet, dataOffset, frame.Length, owned: null);
            context.OnCreditFreed(frame.TotalLength);
            _next++;
            DrainOrdered(context);
            return LaneViolation.None;
        }

        LaneViolation violation = Accumulate(frame, packet, dataOffset, flowControlled: true, context, out IncomingMessage? message);
        if (violation != LaneViolation.None || message is null)
        {
            return violation;
        }

        if (message.IsComplete && frame.Sequence == _next)
        {
            DrainOrdered(context);
        }

        return LaneViolation.None;
    }

    private void DrainOrdered(ILaneReceiveContext context)
    {
        while (_partials.TryGetValue(_next, out IncomingMessage? message) && message.IsComplete)
        {
            _partials.Remove(_next);
            context.Deliver(Channel, Method, message.Buffer, 0, message.TotalLength, message);
            context.OnCreditFreed(message.TotalLength);
            _next++;
        }
    }

    private LaneViolation OnUnordered(in MessageFrameHeader frame, byte[] packet, int dataOffset, ILaneReceiveContext context)
    {
        if (frame.Sequence < _next || _deliveredAhead.Contains(frame.Sequence - _next))
        {
            context.CountDropped();
            return LaneViolation.None;
        }

        if (frame.Sequence - _next >= MaxMessagesInFlight)
        {
            return LaneViolation.TooManyMessagesInFlight;
        }

        if (!frame.IsFragment && !_partials.ContainsKey(frame.Sequence))
        {
            if (!context.OnCreditOpened(frame.TotalLength))
            {
                return LaneViolation.FlowControl;
            }

            context.Deliver(Channel, Method, packet, dataOffset, frame.Length, owned: null);
            context.OnCreditFreed(frame.TotalLength);
            MarkUnorderedDelivered(frame.Sequence);
            return LaneViolation.None;
        }

        LaneViolation violation = Accumulate(frame, packet, dataOffset, flowControlled: true, context, out IncomingMessage? message);
        if (violation == LaneViolation.None && message is not null && message.IsComplete)
        {
            _partials.Remove(frame.Sequence);
            context.Deliver(Channel, Method, message.Buffer, 0, message.TotalLength, message);
            context.OnCreditFreed(message.TotalLength);
            MarkUnorderedDelivered(frame.Sequence);
        }

        return violation;
    }

    private void MarkUnorderedDelivered(ulong sequence)
    {
        _deliveredAhead.Add(sequence - _next);
        int advance = _deliveredAhead.CountLeadingDelivered();
        if (advance > 0)
        {
            _deliveredAhead.Shift(advance);
            _next += (ulong)advance;
        }
    }

    private LaneViolation OnSequenced(in MessageFrameHeader frame, byte[] packet, int dataOffset, ILaneReceiveContext context)
    {
        if (_anyDelivered && frame.Sequence <= _lastDelivered)
        {
            context.CountDropped(); // older than what the application already has
            return LaneViolation.None;
        }

        if (!frame.IsFragment)
        {
            DiscardPartialsUpTo(frame.Sequence, context);
            context.Deliver(Channel, Method, packet, dataOffset, frame.Length, owned: null);
            _lastDelivered = frame.Sequence;
            _anyDelivered = true;
            return LaneViolation.None;
        }

        // Only the newest message is worth reassembling: a fragment of a newer one drops the older.
        if (frame.Sequence > 0)
        {
            DiscardPartialsUpTo(frame.Sequence - 1, context);
        }

        LaneViolation violation = Accumulate(frame, packet, dataOffset, flowControlled: false, context, out IncomingMessage? message);
        if (violation == LaneViolation.None && message is not null && message.IsComplete)
        {
            _partials.Remove(frame.Sequence);
            context.Deliver(Channel, Method, message.Buffer, 0, message.TotalLength, message);
            _lastDelivered = frame.Sequence;
            _anyDelivered = true;
        }

        return violation;
    }

    private LaneViolation OnUnreliable(in MessageFrameHeader frame, byte[] packet, int dataOffset, ILaneReceiveContext context)
    {
        if (!frame.IsFragment)
        {
            context.Deliver(Channel, Method, packet, dataOffset, frame.Length, owned: null);
            return LaneViolation.None;
        }

        if (!_partials.ContainsKey(frame.Sequence) && _partials.Count >= MaxUnreliablePartials)
        {
            EvictOldestPartial(context);
        }

        LaneViolation violation = Accumulate(frame, packet, dataOffset, flowControlled: false, context, out IncomingMessage? message);
        if (violation == LaneViolation.None && message is not null && message.IsComplete)
        {
            _partials.Remove(frame.Sequence);
            context.Deliver(Channel, Method, message.Buffer, 0, message.TotalLength, message);
        }

        return violation;
    }

    private LaneViolation Accumulate(
        in MessageFrameHeader frame, byte[] packet, int dataOffset, bool flowControlled, ILaneReceiveContext context, out IncomingMessage? message)
    {
        if (!_partials.TryGetValue(frame.Sequence, out message))
        {
            if (flowControlled && !context.OnCreditOpened(frame.TotalLength))
            {
                return LaneViolation.FlowControl;
            }

            message = context.RentMessage(frame.TotalLength, flowControlled);
            if (message is null)
            {
                context.CountDropped(); // over the reassembly cap for unreliable data
                return LaneViolation.None;
            }

            _partials.Add(frame.Sequence, message);
        }
        else if (message.TotalLength != frame.TotalLength)
        {
            return LaneViolation.InconsistentFragment;
        }

        switch (message.Add(frame.FragmentOffset, packet.AsSpan(dataOffset, frame.Length)))
        {
            case FragmentResult.Duplicate:
                context.CountDropped();
                break;
            case FragmentResult.TooFragmented:
                return LaneViolation.TooFragmented;
        }

        return LaneViolation.None;
    }

    private void DiscardPartialsUpTo(ulong sequence, ILaneReceiveContext context)
    {
        if (_partials.Count == 0)
        {
            return;
        }

        List<ulong>? stale = null;
        foreach (KeyValuePair<ulong, IncomingMessage> pair in _partials)
        {
            if (pair.Key <= sequence)
            {
                (stale ??= []).Add(pair.Key);
            }
        }

        if (stale is null)
        {
            return;
        }

        foreach (ulong key in stale)
        {
            _partials.Remove(key, out IncomingMessage? message);
            context.ReturnMessage(message!);
            context.CountDropped();
        }
    }

    private void EvictOldestPartial(ILaneReceiveContext context)
    {
        ulong oldest = ulong.MaxValue;
        foreach (ulong key in _partials.Keys)
        {
            oldest = Math.Min(oldest, key);
        }

        if (_partials.Remove(oldest, out IncomingMessage? message))
        {
            context.ReturnMessage(message);
            context.CountDropped();
        }
    }
}
