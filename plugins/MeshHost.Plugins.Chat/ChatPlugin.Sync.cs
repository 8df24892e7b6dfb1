using MeshHost.Sdk;

namespace MeshHost.Plugins.Chat;

/// <summary>
/// History sync after Briar's design: the asker offers the ids it holds; the answerer wants the ids it
/// lacks and sends what the asker did not offer; the asker then sends what was wanted, and the answer
/// to that acknowledges how many were stored. Every message is verified before it is stored.
/// </summary>
public sealed partial class ChatPlugin
{
    /// <summary>How many bytes of messages one sync request or answer carries at most (well under the channel's 1 MiB).</summary>
    internal const int MaxSyncBytes = 512 * 1024;

    /// <summary>Syncs <paramref name="room"/> with <paramref name="peer"/> now (one exchange); for tests and the API.</summary>
    /// <returns>How many messages were received and stored.</returns>
    public async Task<int> SyncAsync(string room, PeerId peer, CancellationToken cancellationToken = default)
    {
        IRequestChannel<SyncRequest, SyncResponse> channel = _syncChannel ?? throw new InvalidOperationException("The chat plugin is not started.");
        var offer = new SyncRequest { Room = room, Offer = Store.Ids(room, ChatLimits.MaxOfferIds) };
        SyncResponse answer = await channel.RequestAsync(peer, offer, ExchangeTimeout, cancellationToken).ConfigureAwait(false);
        FindRoom(room)?.Heard(peer, Context.Time);
        int received = AcceptBatch(room, answer.Messages, peer);

        int sent = 0;
        if (answer.Want is { Count: > 0 } want)
        {
            List<ChatMessage> wanted = Bound(Store.Get(room, ValidIds(want, ChatLimits.MaxMessagesPerSync)));
            if (wanted.Count > 0)
            {
                SyncResponse ack = await channel.RequestAsync(peer, new SyncRequest { Room = room, Messages = wanted }, ExchangeTimeout, cancellationToken).ConfigureAwait(false);
                sent = ack.Accepted;
            }
        }

        ChatLog.Synced(Context.Logger, room, peer.ToShortString(), received, sent);
        return received;
    }

    private void StartSync(string room, PeerId peer, CancellationToken cancellationToken) =>
        Spawn(
            async ct =>
            {
                try
                {
                    await SyncAsync(room, peer, ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is MeshException or TimeoutException)
                {
                    ChatLog.SyncFailed(Context.Logger, room, peer.ToShortString(), ex.Message);
                }
            },
            cancellationToken);

    private ValueTask<SyncResponse> OnSyncRequestAsync(PeerId from, SyncRequest request, CancellationToken cancellationToken)
    {
        if (!_syncLimiter!.TryTake(from))
        {
            Counters.CountRateLimited();
            return ValueTask.FromResult(new SyncResponse());
        }

        if (request.Room is not { } room || FindRoom(room) is not { } joined)
        {
            // Not a member: nothing to offer, nothing wanted.
            return ValueTask.FromResult(new SyncResponse());
        }

        joined.Heard(from, Context.Time);
        int accepted = AcceptBatch(room, request.Messages, from);
        List<byte[]> offer = ValidIds(request.Offer ?? [], ChatLimits.MaxOfferIds);
        if (offer.Count == 0 && request.Messages is { Count: > 0 })
        {
            // The second half of an exchange: acknowledge.
            return ValueTask.FromResult(new SyncResponse { Accepted = accepted });
        }

        var offered = new HashSet<string>(offer.Count, StringComparer.Ordinal);
        var want = new List<byte[]>();
        foreach (byte[] id in offer)
        {
            offered.Add(Convert.ToHexString(id));
            if (want.Count < ChatLimits.MaxMessagesPerSync && !Store.Contains(id))
            {
                want.Add(id);
            }
        }

        List<ChatMessage> missing = Bound(Store.NewestExcept(room, offered, ChatLimits.MaxMessagesPerSync));
        return ValueTask.FromResult(new SyncResponse { Want = want, Messages = missing, Accepted = accepted });
    }

    /// <summary>Verifies and stores up to <see cref="ChatLimits.MaxMessagesPerSync"/> messages of <paramref name="room"/>; the rest are dropped and counted.</summary>
    /// <returns>How many were new and stored.</returns>
    private int AcceptBatch(string room, List<ChatMessage>? messages, PeerId from)
    {
        int accepted = 0;
        for (int i = 0; messages is not null && i < messages.Count; i++)
        {
            if (i == ChatLimits.MaxMessagesPerSync)
            {
                Counters.CountInvalid();
                break;
            }

            if (messages[i] is { } message && message.Room == room && Accept(room, message, from))
            {
                accepted++;
            }
            else if (messages[i] is { } other && other.Room != room)
            {
                Counters.CountInvalid();
            }
        }

        return accepted;
    }

    /// <summary>The well-formed ids (16 bytes) among the first <paramref name="max"/>; the rest are ignored.</summary>
    private List<byte[]> ValidIds(List<byte[]> ids, int max)
    {
        var valid = new List<byte[]>(Math.Min(ids.Count, max));
        for (int i = 0; i < ids.Count && i < max; i++)
        {
            if (ids[i] is { Length: ChatLimits.IdSize } id)
            {
                valid.Add(id);
            }
            else
            {
                Counters.CountInvalid();
            }
        }

        return valid;
    }

    /// <summary>Cuts a batch to <see cref="MaxSyncBytes"/> (estimated), so a sync message never nears the channel limit.</summary>
    private static List<ChatMessage> Bound(List<ChatMessage> messages)
    {
        int bytes = 0;
        for (int i = 0; i < messages.Count; i++)
        {
            bytes += 256 + (3 * (messages[i].Text.Length + messages[i].Nick.Length + messages[i].Room.Length));
            if (bytes > MaxSyncBytes)
            {
                messages.RemoveRange(i, messages.Count - i);
                break;
            }
        }

        return messages;
    }
}
