namespace MeshHost.Transport.Tests.Sessions;

/// <summary>
/// One direction of a property test: sends <see cref="TestPayload"/> messages of mixed sizes on
/// several channels of one delivery method, singly and in batches, remembers every one, and then
/// checks what the other side received against the method's guarantees.
/// </summary>
internal sealed class Traffic
{
    private readonly Session _sender;
    private readonly DeliveryMethod _method;
    private readonly byte[] _channels;
    private readonly Random _random;
    private readonly Dictionary<(byte Channel, uint Sequence), byte[]> _sent = [];
    private readonly Dictionary<byte, uint> _nextSequence = [];
    private int _remaining;

    public Traffic(Session sender, DeliveryMethod method, byte[] channels, int seed, int count)
    {
        _sender = sender;
        _method = method;
        _channels = channels;
        _random = new Random(seed);
        _remaining = count;
        foreach (byte channel in channels)
        {
            _nextSequence[channel] = 0;
        }
    }

    public bool Done => _remaining == 0;

    public int SentCount => _sent.Count;

    public bool IsReliable => _method is DeliveryMethod.ReliableOrdered or DeliveryMethod.ReliableUnordered;

    /// <summary>Sends one message or one batch of them (interleaving channels at random).</summary>
    public void SendSome()
    {
        if (_remaining == 0)
        {
            return;
        }

        if (_random.NextDouble() < 0.3)
        {
            int count = Math.Min(_remaining, _random.Next(2, 25));
            using (_sender.BeginBatch())
            {
                for (int i = 0; i < count; i++)
                {
                    SendOne();
                }
            }
        }
        else
        {
            SendOne();
        }
    }

    /// <summary>Whether the receiver has everything the method promises to deliver.</summary>
    public bool IsComplete(RecordingHandler receiver)
    {
        switch (_method)
        {
            case DeliveryMethod.ReliableOrdered:
            case DeliveryMethod.ReliableUnordered:
                return receiver.Messages.Count >= _sent.Count;
            case DeliveryMethod.ReliableSequenced:
                var newest = new Dictionary<byte, uint>();
                foreach (ReceivedMessage message in receiver.Messages)
                {
                    if (TestPayload.TryRead(message.Data, out byte channel, out _, out uint sequence, out _))
                    {
                        newest[channel] = Math.Max(newest.GetValueOrDefault(channel), sequence);
                    }
                }

                foreach (byte channel in _channels)
                {
                    if (_nextSequence[channel] > 0 && (!newest.TryGetValue(channel, out uint last) || last != _nextSequence[channel] - 1))
                    {
                        return false;
                    }
                }

                return true;
            default:
                return true; // nothing is promised
        }
    }

    /// <summary>Checks everything <paramref name="receiver"/> got against what was sent and the method's rules.</summary>
    public void Verify(RecordingHandler receiver)
    {
        var seen = new HashSet<(byte, uint)>();
        var lastOnLane = new Dictionary<byte, uint>();
        foreach (ReceivedMessage message in receiver.Messages)
        {
            Assert.True(
                TestPayload.TryRead(message.Data, out byte channel, out DeliveryMethod method, out uint sequence, out string? error),
                $"A corrupt message arrived on channel {message.Channel}: {error}");
            Assert.Equal(message.Channel, channel);
            Assert.Equal(_method, method);
            Assert.Equal(_method, message.Method);
            Assert.True(_sent.TryGetValue((channel, sequence), out byte[]? original), $"Never sent: channel {channel} #{sequence}.");
            Assert.True(original.AsSpan().SequenceEqual(message.Data), $"Bytes differ: channel {channel} #{sequence}.");
            Assert.True(seen.Add((channel, sequence)), $"Delivered twice: {_method} channel {channel} #{sequence}.");

            bool hasLast = lastOnLane.TryGetValue(channel, out uint last);
            switch (_method)
            {
                case DeliveryMethod.ReliableOrdered:
                    uint expected = hasLast ? last + 1 : 0;
                    Assert.True(sequence == expected, $"Out of order on channel {channel}: #{sequence} after #{(hasLast ? last : -1)}.");
                    break;
                case DeliveryMethod.Sequenced:
                case DeliveryMethod.ReliableSequenced:
                    Assert.True(!hasLast || sequence > last, $"{_method} channel {channel}: #{sequence} delivered after the newer #{last}.");
                    break;
            }

            lastOnLane[channel] = hasLast ? Math.Max(last, sequence) : sequence;
        }

        if (IsReliable)
        {
            Assert.Equal(_sent.Count, seen.Count);
        }

        if (_method == DeliveryMethod.ReliableSequenced)
        {
            foreach (byte channel in _channels)
            {
                if (_nextSequence[channel] > 0)
                {
                    Assert.True(lastOnLane.TryGetValue(channel, out uint last), $"Nothing arrived on ReliableSequenced channel {channel}.");
                    Assert.Equal(_nextSequence[channel] - 1, last);
                }
            }
        }
    }

    private void SendOne()
    {
        byte channel = _channels[_random.Next(_channels.Length)];
        uint sequence = _nextSequence[channel]++;
        byte[] message = TestPayload.Create(channel, _method, sequence, NextSize());
        _sent.Add((channel, sequence), message);
        SendResult result = _sender.TrySend(channel, _method, message);
        Assert.Equal(SendResult.Queued, result);
        _remaining--;
    }

    private int NextSize()
    {
        double kind = _random.NextDouble();
        return kind switch
        {
            < 0.55 => _random.Next(TestPayload.HeaderSize, 65),        // tiny
            < 0.85 => _random.Next(900, 1_100),                        // about 1 KB
            < 0.97 => _random.Next(5_000, 5_200),                      // a few packets
            _ => _random.Next(100_000, 100_500),                       // many packets
        };
    }
}
