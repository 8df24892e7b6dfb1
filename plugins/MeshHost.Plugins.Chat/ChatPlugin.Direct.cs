using MeshHost.Sdk;

namespace MeshHost.Plugins.Chat;

/// <summary>
/// Direct messages: delivered over a request channel whose answer is the delivery receipt; kept in a
/// bounded, persisted outbox until acknowledged, and retried with exponential backoff and as soon as
/// the recipient connects again; after an unanswered attempt on a live session, without backing off
/// (the receipt may be what was lost; the recipient re-acknowledges a copy it already has).
/// </summary>
public sealed partial class ChatPlugin
{
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Signs a direct message to <paramref name="peer"/>, stores it, queues it and tries to deliver it at once.
    /// </summary>
    /// <returns>The message, and whether the recipient acknowledged it already (otherwise it stays queued).</returns>
    /// <exception cref="ArgumentException">The text is empty or too large, or the peer is this node.</exception>
    /// <exception cref="InvalidOperationException">The outbox is full.</exception>
    public async Task<(ChatEntry Entry, bool Delivered)> SendDirectAsync(PeerId peer, string text, CancellationToken cancellationToken = default)
    {
        CheckText(text);
        if (peer == Context.LocalId)
        {
            throw new ArgumentException("A direct message goes to another node.", nameof(peer));
        }

        ChatMessage message = ChatCodec.Create(Context.Identity, "", _clock!.Next(), _options.Nick, text, peer);
        if (!Store.Enqueue(peer, message))
        {
            throw new InvalidOperationException($"The outbox is full ({_options.MaxOutbox} messages wait for offline peers).");
        }

        Interlocked.Increment(ref _outboxCount);
        ChatEntry entry = StoreOwn(ChatStore.DirectConversation(peer), message);
        Attempt outcome = await TryDeliverAsync(peer, message, attempt: 0, cancellationToken).ConfigureAwait(false);
        if (outcome != Attempt.Acknowledged)
        {
            ScheduleRetry(peer, outcome);
        }

        return (entry, outcome == Attempt.Acknowledged);
    }

    /// <summary>Whether a direct message sent from here still waits for its receipt.</summary>
    public bool IsQueued(string messageId) =>
        Store.Outbox().Exists(q => Convert.ToHexStringLower(q.Message.Id) == messageId);

    private async Task<Attempt> TryDeliverAsync(PeerId peer, ChatMessage message, int attempt, CancellationToken cancellationToken)
    {
        try
        {
            DirectAck ack = await _directChannel!.RequestAsync(peer, message, ExchangeTimeout, cancellationToken).ConfigureAwait(false);
            if (ack.Id is null || !ack.Id.AsSpan().SequenceEqual(message.Id))
            {
                return Attempt.Refused;
            }

            // Delivered, or refused for good (blocked, invalid): either way it leaves the outbox. Only
            // the attempt that removes the row counts it: another copy may have been acknowledged too.
            if (Store.Dequeue(message.Id))
            {
                Interlocked.Decrement(ref _outboxCount);
            }

            return Attempt.Acknowledged;
        }
        catch (TimeoutException ex)
        {
            ChatLog.DeliveryFailed(Context.Logger, peer.ToShortString(), attempt, ex.Message);
            return Attempt.Unanswered;
        }
        catch (MeshException ex)
        {
            ChatLog.DeliveryFailed(Context.Logger, peer.ToShortString(), attempt, ex.Message);
            return Attempt.Failed;
        }
    }

    private void ScheduleRetry(PeerId peer, Attempt outcome)
    {
        long now = Context.Time.GetTimestamp();
        _retries.AddOrUpdate(
            peer,
            (_, at) => new RetryState(1, at, RetryDelay(peer, 1, outcome)),
            (_, old, at) => new RetryState(old.Attempts + 1, at, RetryDelay(peer, old.Attempts + 1, outcome)),
            now);
    }

    /// <summary>
    /// How long to wait after a failed attempt: the exponential backoff, except after an attempt that
    /// went unanswered while the recipient still has a session with this node. Then the recipient has
    /// likely got the message and only its receipt was lost (for example, sent on a channel this node
    /// had since reopened, before it learned of the new one); backing off would keep a delivered
    /// message queued for up to <see cref="ChatOptions.MaxRetryDelay"/>. Retrying soon costs little:
    /// one small request on a live session, at most a duplicate the recipient re-acknowledges; if the
    /// recipient is really gone, its session ends within the transport's idle timeout and the backoff
    /// takes over.
    /// </summary>
    private TimeSpan RetryDelay(PeerId peer, int attempts, Attempt outcome) =>
        outcome == Attempt.Unanswered && HasSession(peer) ? FirstRetryDelay : Backoff(attempts);

    private bool HasSession(PeerId peer)
    {
        foreach (ConnectedPeer connected in Context.Peers.Connected)
        {
            if (connected.Id == peer)
            {
                return true;
            }
        }

        return false;
    }

    private TimeSpan Backoff(int attempts)
    {
        double seconds = FirstRetryDelay.TotalSeconds * Math.Pow(2, Math.Min(attempts - 1, 16));
        return TimeSpan.FromSeconds(Math.Min(seconds, _options.MaxRetryDelay.TotalSeconds));
    }

    /// <summary>Starts delivery to every recipient whose retry time has come (one task per recipient).</summary>
    private void DeliverDue(CancellationToken cancellationToken)
    {
        var byPeer = new Dictionary<PeerId, List<ChatMessage>>();
        foreach ((PeerId recipient, ChatMessage message) in Store.Outbox())
        {
            if (_retries.TryGetValue(recipient, out RetryState? state) && (state.InFlight || Context.Time.GetElapsedTime(state.Since) < state.Delay))
            {
                continue;
            }

            if (!byPeer.TryGetValue(recipient, out List<ChatMessage>? queue))
            {
                byPeer[recipient] = queue = [];
            }

            queue.Add(message);
        }

        foreach ((PeerId peer, List<ChatMessage> queue) in byPeer)
        {
            RetryState current = _retries.GetValueOrDefault(peer) ?? new RetryState(0, Context.Time.GetTimestamp(), TimeSpan.Zero);
            _retries[peer] = current with { InFlight = true };
            Spawn(ct => DeliverQueueAsync(peer, queue, current.Attempts, ct), cancellationToken);
        }
    }

    private async Task DeliverQueueAsync(PeerId peer, List<ChatMessage> queue, int attempt, CancellationToken cancellationToken)
    {
        int delivered = 0;
        foreach (ChatMessage message in queue)
        {
            Attempt outcome = await TryDeliverAsync(peer, message, attempt, cancellationToken).ConfigureAwait(false);
            if (outcome != Attempt.Acknowledged)
            {
                _retries[peer] = new RetryState(attempt + 1, Context.Time.GetTimestamp(), RetryDelay(peer, attempt + 1, outcome));
                return;
            }

            delivered++;
        }

        _retries.TryRemove(peer, out _);
        ChatLog.Delivered(Context.Logger, delivered, peer.ToShortString());
    }

    private ValueTask<DirectAck> OnDirectMessageAsync(PeerId from, ChatMessage message, CancellationToken cancellationToken)
    {
        byte[] id = message.Id ?? [];
        if (!_messageLimiter!.TryTake(from))
        {
            // No receipt: the sender keeps it queued and retries later.
            Counters.CountRateLimited();
            return ValueTask.FromResult(new DirectAck());
        }

        bool addressedHere = message.Recipient is { Length: PeerId.Size } recipient && new PeerId(recipient) == Context.LocalId;
        bool fromAuthor = message.Author is { Length: INodeSigner.PublicKeySize } author && PeerId.FromPublicKey(author) == from;
        if (!addressedHere || !fromAuthor)
        {
            // Refused for good: a receipt that says not delivered, so the sender stops retrying.
            Counters.CountInvalid();
            return ValueTask.FromResult(new DirectAck { Id = id, Delivered = false });
        }

        string conversation = ChatStore.DirectConversation(from);
        bool known = Store.Contains(id);
        bool stored = known || Accept(conversation, message, from);
        if (known)
        {
            Counters.CountDuplicate();
        }

        return ValueTask.FromResult(new DirectAck { Id = id, Delivered = stored });
    }

    /// <summary>How one delivery attempt ended.</summary>
    private enum Attempt
    {
        /// <summary>The recipient sent the receipt: the message left the outbox.</summary>
        Acknowledged,

        /// <summary>The recipient answered without a receipt (rate-limited): it is there but wants it later.</summary>
        Refused,

        /// <summary>No answer within <see cref="ExchangeTimeout"/>.</summary>
        Unanswered,

        /// <summary>The recipient could not be reached, or the session or channel closed.</summary>
        Failed,
    }

    /// <summary>A recipient's delivery state: attempts so far, when the last one ended and how long to wait.</summary>
    private sealed record RetryState(int Attempts, long Since, TimeSpan Delay)
    {
        public bool InFlight { get; init; }
    }
}
