using MeshHost.MessagePack;
using MeshHost.Sdk;

namespace MeshHost.Plugins.Ledger;

/// <summary>Gossip of transfers and blocks, and headers-first sync with several peers.</summary>
public sealed partial class LedgerPlugin
{
    /// <summary>How many peers a sync round asks for their tip.</summary>
    internal const int PeersPerSync = 3;

    private async Task PublishAsync<T>(ITopic<T> topic, T message, CancellationToken cancellationToken)
        where T : IMessagePackSerializable<T>
    {
        try
        {
            await topic.PublishAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (MeshException ex)
        {
            // Stored locally; peers get it by sync.
            LedgerLog.PublishFailed(Context.Logger, topic.Name, ex.Error.ToString());
        }
    }

    private ValueTask OnTransactionAsync(PeerId from, TransactionGossip gossip, CancellationToken cancellationToken)
    {
        if (_penalties!.IsIgnored(from))
        {
            Counters.CountIgnored();
            return ValueTask.CompletedTask;
        }

        LedgerError error = AdmitTransaction(gossip.Transaction);
        if (error == LedgerError.None)
        {
            Counters.CountTransactionAccepted();
        }
        else if (error != LedgerError.Duplicate)
        {
            Counters.CountTransactionRefused();
            LedgerLog.TransactionRefused(Context.Logger, from.ToShortString(), error);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Checks a transfer from a peer (shape, chain, signature) and offers it to the mempool.</summary>
    internal LedgerError AdmitTransaction(Transaction? transaction)
    {
        if (transaction is null || !LedgerCodec.IsWellFormed(transaction))
        {
            return LedgerError.Malformed;
        }

        if (!transaction.Chain.AsSpan().SequenceEqual(Chain.GenesisHash))
        {
            return LedgerError.WrongChain;
        }

        if (Pool.Contains(LedgerCodec.TransactionId(transaction)))
        {
            return LedgerError.Duplicate;
        }

        PeerId sender = LedgerCodec.Sender(transaction);
        if (!_signatures!.Verify(sender, transaction.From, LedgerCodec.SignedBytes(transaction), transaction.Signature))
        {
            return LedgerError.BadSignature;
        }

        return Pool.Add(transaction, Chain.GetAccount(sender), _options.MinFee, Context.Time.GetUtcNow().ToUnixTimeMilliseconds());
    }

    private ValueTask OnAnnouncementAsync(PeerId from, BlockAnnouncement announcement, CancellationToken cancellationToken)
    {
        if (_penalties!.IsIgnored(from))
        {
            Counters.CountIgnored();
            return ValueTask.CompletedTask;
        }

        if (announcement.Header is { Previous: not null } header && !Chain.Knows(LedgerCodec.BlockHash(header), withBody: true))
        {
            // Quick: this runs on the network's thread. The body is fetched from the announcer.
            Spawn(ct => FetchAnnouncedAsync(from, header, ct));
        }

        return ValueTask.CompletedTask;
    }

    private async Task FetchAnnouncedAsync(PeerId from, BlockHeader header, CancellationToken cancellationToken)
    {
        if (!Chain.Knows(header.Previous, withBody: true))
        {
            await SyncWithAsync(from, cancellationToken).ConfigureAwait(false);
            return;
        }

        SyncResponse response = await RequestAsync(from, new SyncRequest { Kind = SyncKind.Blocks, Hashes = [LedgerCodec.BlockHash(header)] }, cancellationToken).ConfigureAwait(false);
        foreach (Block block in response.Blocks ?? [])
        {
            SubmitBlock(from, block);
        }
    }

    /// <summary>Validates a block a peer sent; penalises the peer when it is invalid.</summary>
    internal BlockResult SubmitBlock(PeerId from, Block block)
    {
        BlockResult result = Chain.AddBlock(block);
        Record(from, result);
        return result;
    }

    /// <summary>Validates a batch of blocks from a peer in one commit; true when one was invalid (the peer is penalised).</summary>
    private bool SubmitBlocks(PeerId from, IReadOnlyList<Block> blocks)
    {
        foreach (BlockResult result in Chain.AddBlocks(blocks))
        {
            if (!Record(from, result))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Counts a block's outcome, updates the mempool, penalises the sender of an invalid one (then false).</summary>
    private bool Record(PeerId from, BlockResult result)
    {
        if (result.Error == LedgerError.None)
        {
            Counters.CountBlockAccepted();
            AfterTipChange(result);
        }
        else if (result.IsInvalid)
        {
            Counters.CountBlockRefused();
            LedgerLog.BlockRefused(Context.Logger, from.ToShortString(), result.Error);
            Penalise(from);
            return false;
        }

        return true;
    }

    private void Penalise(PeerId peer)
    {
        if (_penalties!.Penalise(peer, out int count))
        {
            LedgerLog.PeerPenalised(Context.Logger, peer.ToShortString(), (int)Math.Ceiling(_penalties!.IgnoreFor.TotalMinutes), count);
        }
    }

    private ValueTask<SyncResponse> OnSyncRequestAsync(PeerId from, SyncRequest request, CancellationToken cancellationToken)
    {
        HeaderEntry tip = Chain.Tip;
        var response = new SyncResponse { TipHash = tip.Hash, TipHeight = tip.Height, TipWeight = tip.Weight.ToByteArray(isUnsigned: true, isBigEndian: true) };
        if (_penalties!.IsIgnored(from) || request.Hashes is null)
        {
            return ValueTask.FromResult(response);
        }

        switch (request.Kind)
        {
            case SyncKind.Headers:
                response.Headers.AddRange(Chain.HeadersAfter(request.Hashes.GetRange(0, Math.Min(request.Hashes.Count, 64)), ChainRules.MaxHeadersPerAnswer));
                break;
            case SyncKind.Blocks:
                int bytes = 0;
                for (int i = 0; i < request.Hashes.Count && i < ChainRules.MaxBlocksPerRequest; i++)
                {
                    if (request.Hashes[i] is { Length: LedgerCodec.HashSize } hash && Chain.GetBlock(hash) is { } block)
                    {
                        bytes += LedgerCodec.BlockSize(block);
                        if (bytes > ChainRules.MaxAnswerBytes && response.Blocks.Count > 0)
                        {
                            break;
                        }

                        response.Blocks.Add(block);
                    }
                }

                break;
        }

        return ValueTask.FromResult(response);
    }

    private Task<SyncResponse> RequestAsync(PeerId peer, SyncRequest request, CancellationToken cancellationToken) =>
        _syncChannel!.RequestAsync(peer, request, RequestTimeout, cancellationToken);

    /// <summary>
    /// One sync round: asks up to <see cref="PeersPerSync"/> peers for their tips, and from each that
    /// claims a heavier chain fetches headers, then the missing bodies, spreading the body requests
    /// over the peers that claimed it. Everything is validated here; a claim is only a hint.
    /// </summary>
    internal async Task SyncAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<ConnectedPeer> connected = Context.Peers.Connected;
        var peers = new List<PeerId>();
        foreach (ConnectedPeer peer in connected)
        {
            if (!_penalties!.IsIgnored(peer.Id))
            {
                peers.Add(peer.Id);
            }
        }

        // A different few each round, so one silent or lying peer cannot stall sync.
        _random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(peers));
        var ahead = new List<PeerId>();
        foreach (PeerId peer in peers.Take(PeersPerSync))
        {
            try
            {
                SyncResponse status = await RequestAsync(peer, new SyncRequest { Kind = SyncKind.Status }, cancellationToken).ConfigureAwait(false);
                if (new System.Numerics.BigInteger(status.TipWeight ?? [], isUnsigned: true, isBigEndian: true) > Chain.Tip.Weight)
                {
                    ahead.Add(peer);
                }
            }
            catch (Exception ex) when (ex is MeshException or TimeoutException)
            {
                LedgerLog.SyncFailed(Context.Logger, peer.ToShortString(), ex.Message);
            }
        }

        foreach (PeerId peer in ahead)
        {
            await SyncHeadersAsync(peer, cancellationToken).ConfigureAwait(false);
        }

        if (ahead.Count > 0)
        {
            await FetchBodiesAsync(ahead, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task SyncWithAsync(PeerId peer, CancellationToken cancellationToken)
    {
        await SyncHeadersAsync(peer, cancellationToken).ConfigureAwait(false);
        await FetchBodiesAsync([peer], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Fetches headers after our locator until the peer has no more or one is invalid.</summary>
    private async Task SyncHeadersAsync(PeerId peer, CancellationToken cancellationToken)
    {
        try
        {
            List<byte[]> locator = Chain.Locator();
            for (int round = 0; round < 1000; round++)
            {
                SyncResponse answer = await RequestAsync(peer, new SyncRequest { Kind = SyncKind.Headers, Hashes = locator }, cancellationToken).ConfigureAwait(false);
                if (answer.Headers is not { Count: > 0 } || answer.Headers.Count > ChainRules.MaxHeadersPerAnswer)
                {
                    return;
                }

                LedgerError error = Chain.AddHeaders(answer.Headers, out _);
                if (error != LedgerError.None)
                {
                    Counters.CountBlockRefused();
                    LedgerLog.BlockRefused(Context.Logger, peer.ToShortString(), error);
                    Penalise(peer);
                    return;
                }

                if (answer.Headers.Count < ChainRules.MaxHeadersPerAnswer)
                {
                    return;
                }

                locator = [LedgerCodec.BlockHash(answer.Headers[^1]), .. locator];
            }
        }
        catch (Exception ex) when (ex is MeshException or TimeoutException)
        {
            LedgerLog.SyncFailed(Context.Logger, peer.ToShortString(), ex.Message);
        }
    }

    /// <summary>Fetches the bodies on the way to the best header, in batches, round-robin over <paramref name="peers"/>.</summary>
    private async Task FetchBodiesAsync(List<PeerId> peers, CancellationToken cancellationToken)
    {
        int turn = 0;
        int failures = 0;
        while (failures < peers.Count * 2)
        {
            List<byte[]> missing = Chain.MissingBodies(ChainRules.MaxBlocksPerRequest);
            if (missing.Count == 0)
            {
                return;
            }

            PeerId peer = peers[turn++ % peers.Count];
            try
            {
                SyncResponse answer = await RequestAsync(peer, new SyncRequest { Kind = SyncKind.Blocks, Hashes = missing }, cancellationToken).ConfigureAwait(false);
                if (answer.Blocks is not { Count: > 0 })
                {
                    failures++;
                    continue;
                }

                if (SubmitBlocks(peer, answer.Blocks))
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is MeshException or TimeoutException)
            {
                failures++;
                LedgerLog.SyncFailed(Context.Logger, peer.ToShortString(), ex.Message);
            }
        }
    }
}
