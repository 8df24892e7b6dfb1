using System.Globalization;
using System.Text;
using System.Text.Json;
using MeshHost.Plugins.Shared;
using MeshHost.Sdk;

namespace MeshHost.Plugins.Ledger;

/// <summary>The control API (<c>/v1/plugins/meshhost.ledger/…</c>) and the CLI command.</summary>
public sealed partial class LedgerPlugin
{
    /// <inheritdoc/>
    public void MapEndpoints(IControlApiBuilder api)
    {
        api.Map("GET", "status", (_, _) => Task.FromResult(Status()));
        api.Map("GET", "balance", (_, _) => Task.FromResult(BalanceEndpoint(Context.LocalId.ToString())));
        api.Map("GET", "balance/{account}", (request, _) => Task.FromResult(BalanceEndpoint(request.RouteValues["account"])));
        api.Map("POST", "transfers", TransferEndpointAsync);
        api.Map("GET", "blocks/{height}", (request, _) => Task.FromResult(BlockEndpoint(request.RouteValues["height"])));
        api.Map("POST", "mine", MineEndpointAsync);
    }

    /// <inheritdoc/>
    public void AddCommands(ICliBuilder cli) => cli.AddCommand(LedgerCommand.Create());

    private ControlApiResponse BalanceEndpoint(string text)
    {
        if (!PeerId.TryParse(text, out PeerId account))
        {
            return ControlApiResponse.Error(400, "bad-account", $"'{text}' is not an account: a NodeId is 64 hex digits ('meshhost id' prints one).");
        }

        Account state = Balance(account);
        return ControlApiResponse.Json(JsonText.Object(w =>
        {
            w.WriteString("account", account.ToString());
            w.WriteNumber("balance", state.Balance);
            w.WriteNumber("nonce", state.Nonce);
            w.WriteNumber("height", Height);
        }));
    }

    private async Task<ControlApiResponse> TransferEndpointAsync(ControlApiRequest request, CancellationToken cancellationToken)
    {
        PeerId to;
        ulong amount;
        ulong fee = _options.MinFee;
        try
        {
            using JsonDocument body = JsonDocument.Parse(request.Body);
            JsonElement root = body.RootElement;
            if (!PeerId.TryParse(root.GetProperty("to").GetString(), out to))
            {
                return ControlApiResponse.Error(400, "bad-account", "'to' is not a NodeId (64 hex digits).");
            }

            amount = root.GetProperty("amount").GetUInt64();
            if (root.TryGetProperty("fee", out JsonElement feeElement))
            {
                fee = feeElement.GetUInt64();
            }
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or FormatException or InvalidOperationException)
        {
            return ControlApiResponse.Error(400, "bad-transfer", "The body is JSON: {\"to\": NODEID, \"amount\": whole number > 0, \"fee\": optional whole number}.");
        }

        if (amount is 0 or > long.MaxValue || fee > long.MaxValue)
        {
            return ControlApiResponse.Error(400, "bad-amount", "The amount is a whole number from 1 to 2^63 - 1.");
        }

        try
        {
            Transaction transaction = await SendAsync(to, amount, fee, cancellationToken).ConfigureAwait(false);
            return ControlApiResponse.Json(JsonText.Object(w =>
            {
                w.WriteString("id", LedgerCodec.Hex(LedgerCodec.TransactionId(transaction)));
                w.WriteNumber("nonce", transaction.Nonce);
                w.WriteNumber("fee", transaction.Fee);
            }));
        }
        catch (InvalidOperationException ex)
        {
            return ControlApiResponse.Error(409, "refused", ex.Message);
        }
    }

    private ControlApiResponse BlockEndpoint(string text)
    {
        long height = Height;
        if (text != "latest" && (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out height) || height > Height))
        {
            return ControlApiResponse.Error(404, "no-block", $"There is no block '{text}': give a height from 0 to {Height}, or 'latest'.");
        }

        Block? block = BlockAt(height);
        if (block is null)
        {
            return ControlApiResponse.Error(404, "no-block", $"Block {height} is not held.");
        }

        return ControlApiResponse.Json(JsonText.Object(w => WriteBlock(w, block)));
    }

    private async Task<ControlApiResponse> MineEndpointAsync(ControlApiRequest request, CancellationToken cancellationToken)
    {
        Block? block = await ProduceAsync(cancellationToken).ConfigureAwait(false);
        return block is null
            ? ControlApiResponse.Error(409, "cannot-produce", _options.Consensus == "poa"
                ? "This node is not a configured signer, or it signed one of the last blocks; another signer must sign next."
                : "The tip moved while mining; try again.")
            : ControlApiResponse.Json(JsonText.Object(w => WriteBlock(w, block)));
    }

    private ControlApiResponse Status() => ControlApiResponse.Json(JsonText.Object(w =>
    {
        HeaderEntry tip = Chain.Tip;
        w.WriteString("self", Context.LocalId.ToString());
        w.WriteString("publicKey", Convert.ToHexStringLower(Context.Identity.PublicKey.Span));
        w.WriteString("consensus", _options.Consensus);
        w.WriteString("genesis", LedgerCodec.Hex(Chain.GenesisHash));
        w.WriteNumber("height", tip.Height);
        w.WriteString("tip", tip.Key);
        w.WriteString("weight", tip.Weight.ToString(CultureInfo.InvariantCulture));
        w.WriteNumber("pending", PendingTransactions);
        w.WriteNumber("knownBlocks", Chain.KnownBlocks);
        w.WriteNumber("balance", Balance(Context.LocalId).Balance);
        w.WriteStartObject("counters");
        w.WriteNumber("blocksAccepted", Counters.BlocksAccepted);
        w.WriteNumber("blocksRefused", Counters.BlocksRefused);
        w.WriteNumber("transactionsAccepted", Counters.TransactionsAccepted);
        w.WriteNumber("transactionsRefused", Counters.TransactionsRefused);
        w.WriteNumber("reorganisations", Counters.Reorganisations);
        w.WriteNumber("ignored", Counters.Ignored);
        w.WriteEndObject();
    }));

    private static void WriteBlock(Utf8JsonWriter w, Block block)
    {
        BlockHeader header = block.Header;
        w.WriteNumber("height", header.Height);
        w.WriteString("hash", LedgerCodec.Hex(LedgerCodec.BlockHash(header)));
        w.WriteString("previous", LedgerCodec.Hex(header.Previous));
        w.WriteString("merkleRoot", LedgerCodec.Hex(header.MerkleRoot));
        w.WriteString("time", DateTimeOffset.FromUnixTimeMilliseconds(header.Timestamp).ToString("O", CultureInfo.InvariantCulture));
        w.WriteString("producer", header.Producer.Length == 0 ? "" : PeerId.FromPublicKey(header.Producer).ToString());
        w.WriteStartArray("transactions");
        foreach (Transaction transaction in block.Transactions)
        {
            w.WriteStartObject();
            w.WriteString("id", LedgerCodec.Hex(LedgerCodec.TransactionId(transaction)));
            w.WriteString("from", LedgerCodec.Sender(transaction).ToString());
            w.WriteString("to", LedgerCodec.Hex(transaction.To));
            w.WriteNumber("amount", transaction.Amount);
            w.WriteNumber("fee", transaction.Fee);
            w.WriteNumber("nonce", transaction.Nonce);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }
}
