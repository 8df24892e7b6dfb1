using MeshHost.Sdk.Testing;

namespace MeshHost.Plugins.Ledger.Tests;

/// <summary>The <c>ledger</c> command, run against nodes through the kit as the CLI runs it.</summary>
public sealed class CliTests
{
    [Fact]
    public async Task Send_mine_balance_block_and_status_work_between_two_nodes()
    {
        await using TestMesh mesh = await TestMesh.StartAsync(2);
        IReadOnlyList<TestPlugin<LedgerPlugin>> ledgers = await mesh.LoadLedgerAsync();
        string other = mesh[1].Id.ToString();

        TestCommandResult send = await ledgers[0].RunCommandAsync("ledger", [other, "250"], Arg("send"), new Dictionary<string, string> { ["fee"] = "5" });
        Assert.True(send.ExitCode == 0, send.Error);
        Assert.StartsWith($"Sent 250 to {other}: transfer ", send.Output, StringComparison.Ordinal);

        TestCommandResult mine = await ledgers[0].RunCommandAsync("ledger", [], Arg("mine"));
        Assert.True(mine.ExitCode == 0, mine.Error);
        Assert.StartsWith("Produced block 1 ", mine.Output, StringComparison.Ordinal);
        Assert.Contains("with 1 transfer(s)", mine.Output, StringComparison.Ordinal);
        await mesh.ConvergeAsync(ledgers, 1, "node 1 to take the block");

        TestCommandResult balance = await ledgers[1].RunCommandAsync("ledger", [], Arg("balance"));
        Assert.Equal($"{other}: 1250 (next nonce 0, at block 1)", balance.Output.Trim());
        TestCommandResult theirs = await ledgers[1].RunCommandAsync("ledger", [mesh[0].Id.ToString()], Arg("balance"));
        Assert.Equal($"{mesh[0].Id}: 750 (next nonce 1, at block 1)", theirs.Output.Trim()); // 1000 - 250 - fee 5 + fee 5 back as the producer

        TestCommandResult block = await ledgers[1].RunCommandAsync("ledger", ["latest"], Arg("block"));
        Assert.Equal(0, block.ExitCode);
        Assert.Contains("\"height\":1", block.Output, StringComparison.Ordinal);
        Assert.Contains($"\"to\":\"{other}\",\"amount\":250,\"fee\":5", block.Output, StringComparison.Ordinal);
        Assert.Contains("\"height\":0", (await ledgers[1].RunCommandAsync("ledger", ["0"], Arg("block"))).Output, StringComparison.Ordinal);

        TestCommandResult status = await ledgers[1].RunCommandAsync("ledger", [], Arg("status"));
        Assert.Contains("\"height\":1", status.Output, StringComparison.Ordinal);
        Assert.Contains($"\"tip\":\"{ledgers[0].Plugin.TipHash}\"", status.Output, StringComparison.Ordinal);

        TestCommandResult noBlock = await ledgers[1].RunCommandAsync("ledger", ["99"], Arg("block"));
        Assert.Equal(1, noBlock.ExitCode);
        Assert.Contains("There is no block '99'", noBlock.Error, StringComparison.Ordinal);
        TestCommandResult badPeer = await ledgers[1].RunCommandAsync("ledger", ["nobody", "5"], Arg("send"));
        Assert.Equal(1, badPeer.ExitCode);
        Assert.Contains("not a NodeId", badPeer.Error, StringComparison.Ordinal);
        TestCommandResult tooMuch = await ledgers[1].RunCommandAsync("ledger", [mesh[0].Id.ToString(), "5000"], Arg("send"));
        Assert.Equal(1, tooMuch.ExitCode);
        Assert.Contains("does not cover", tooMuch.Error, StringComparison.Ordinal);
        TestCommandResult badAmount = await ledgers[1].RunCommandAsync("ledger", [mesh[0].Id.ToString(), "-3"], Arg("send"));
        Assert.Equal(1, badAmount.ExitCode);
        Assert.Equal(2, (await ledgers[1].RunCommandAsync("ledger", ["x"], Arg("status"))).ExitCode);
        Assert.Equal(2, (await ledgers[1].RunCommandAsync("ledger", [], Arg("burn"))).ExitCode);
    }

    [Fact]
    public async Task Under_proof_of_authority_only_a_signer_may_produce_and_signers_take_turns()
    {
        await using TestMesh mesh = await TestMesh.StartAsync(3);
        string signers = string.Join(',', new[] { 0, 1 }.Select(i => Convert.ToHexStringLower(mesh[i].Mesh.Identity.PublicKey.Span)));
        IReadOnlyList<TestPlugin<LedgerPlugin>> ledgers = await mesh.LoadLedgerAsync(LedgerMesh.Settings(
            mesh, ("Consensus", "poa"), ("Signers", signers), ("Produce", "true"), ("BlockIntervalSeconds", "1")));

        TestCommandResult refused = await ledgers[2].RunCommandAsync("ledger", [], Arg("mine"));
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("not a configured signer", refused.Error, StringComparison.Ordinal);

        await mesh.WaitAsync(ledgers[2].Plugin.SendAsync(mesh[0].Id, 10, 1), TimeSpan.FromSeconds(10));
        await mesh.WaitUntilAsync(() => ledgers.All(l => l.Plugin.Height >= 8), TimeSpan.FromSeconds(60), "the two signers to produce eight blocks");
        await mesh.WaitUntilAsync(() => ledgers.Select(l => l.Plugin.TipHash).Distinct().Count() == 1, TimeSpan.FromSeconds(10), "the nodes to agree");

        // With two signers, floor(2/2)+1 = 2: no signer signs two blocks in a row.
        long height = ledgers[2].Plugin.Height;
        for (long h = 2; h <= height; h++)
        {
            Assert.NotEqual(Convert.ToHexString(ledgers[2].Plugin.BlockAt(h - 1)!.Header.Producer), Convert.ToHexString(ledgers[2].Plugin.BlockAt(h)!.Header.Producer));
        }

        Assert.Equal(LedgerMesh.Funds - 11, (ulong)ledgers[2].Plugin.Balance(mesh[2].Id).Balance);
        Assert.Equal(ledgers[0].Plugin.Accounts(), ledgers[2].Plugin.Accounts());
    }

    private static Dictionary<string, string> Arg(string first) => new() { ["command"] = first };
}
