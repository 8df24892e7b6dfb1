using System.Threading.Channels;
using MeshHost.Sdk.Testing;

namespace MeshHost.Plugins.Chat.Tests;

/// <summary>The <c>chat</c> command, run against a node through the kit as the CLI runs it.</summary>
public sealed class CliTests
{
    [Fact]
    public async Task Join_send_history_and_dm_work_between_two_nodes()
    {
        await using TestMesh mesh = await TestMesh.StartAsync(2);
        IReadOnlyList<TestPlugin<ChatPlugin>> chats = await mesh.LoadChatAsync(ChatMesh.Settings(("Nick", "ann")));

        Assert.Equal(0, (await chats[0].RunCommandAsync("chat", ["lobby"], Arg("join"))).ExitCode);
        Assert.Equal(0, (await chats[1].RunCommandAsync("chat", ["lobby"], Arg("join"))).ExitCode);
        await mesh.WaitUntilAsync(() => chats.All(c => c.Plugin.Members(ChatMesh.Room).Count == 1), TimeSpan.FromSeconds(10), "the two members to hear each other");

        TestCommandResult send = await chats[0].RunCommandAsync("chat", ["lobby", "hello", "there"], Arg("send"));
        Assert.True(send.ExitCode == 0, send.Error);
        await mesh.WaitUntilAsync(() => chats[1].Plugin.History(ChatMesh.Room).Count == 1, TimeSpan.FromSeconds(10), "the message to arrive");

        TestCommandResult history = await chats[1].RunCommandAsync("chat", ["lobby"], Arg("history"));
        Assert.Equal(0, history.ExitCode);
        Assert.Contains($"ann ({mesh[0].Id.ToShortString()}): hello there", history.Output, StringComparison.Ordinal);

        TestCommandResult dm = await chats[1].RunCommandAsync("chat", [mesh[0].Id.ToString(), "just", "you"], Arg("dm"));
        Assert.True(dm.ExitCode == 0, dm.Error);
        Assert.StartsWith("Delivered ", dm.Output, StringComparison.Ordinal);
        Assert.Equal("just you", Assert.Single(chats[0].Plugin.History("dm:" + mesh[1].Id)).Text);
        TestCommandResult direct = await chats[0].RunCommandAsync("chat", [mesh[1].Id.ToString()], Arg("history"));
        Assert.Contains($"({mesh[1].Id.ToShortString()}): just you", direct.Output, StringComparison.Ordinal);

        TestCommandResult bad = await chats[0].RunCommandAsync("chat", ["nobody", "hi"], Arg("dm"));
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("is not a NodeId", bad.Error, StringComparison.Ordinal);
        TestCommandResult usage = await chats[0].RunCommandAsync("chat", [], Arg("send"));
        Assert.Equal(2, usage.ExitCode);
    }

    [Fact]
    public async Task The_interactive_mode_sends_typed_lines_and_shows_incoming_messages_live()
    {
        await using TestMesh mesh = await TestMesh.StartAsync(2);
        IReadOnlyList<TestPlugin<ChatPlugin>> chats = await mesh.LoadChatAsync(ChatMesh.Settings(("Nick", "ann")));
        chats[1].Plugin.Join(ChatMesh.Room);
        var typed = Channel.CreateUnbounded<string?>();
        chats[0].Plugin.CommandInput = new ChannelReader(typed.Reader);
        chats[0].Plugin.CommandTime = mesh.Time;

        // The script runs while the kit drives the clock for the command: it types, waits for the
        // other member to see the line, has it answer, waits for the answer to be polled, and quits.
        Task script = Task.Run(async () =>
        {
            await typed.Writer.WriteAsync("hello from the prompt");
            await Until(() => chats[1].Plugin.History(ChatMesh.Room).Any(e => e.Text == "hello from the prompt"), mesh);
            await chats[1].Plugin.PostAsync(ChatMesh.Room, "hi prompt");
            await Until(() => chats[0].Plugin.History(ChatMesh.Room).Any(e => e.Text == "hi prompt"), mesh);
            await Task.Delay(ChatCommand.PollInterval * 3, mesh.Time);
            await typed.Writer.WriteAsync("/quit");
        });

        TestCommandResult result = await chats[0].RunCommandAsync("chat", [], Arg(ChatMesh.Room));
        await script;

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("In room lobby.", result.Output, StringComparison.Ordinal);
        Assert.Contains($"ann ({mesh[0].Id.ToShortString()}): hello from the prompt", result.Output, StringComparison.Ordinal);
        Assert.Contains($"({mesh[1].Id.ToShortString()}): hi prompt", result.Output, StringComparison.Ordinal);
        Assert.Equal(2, chats[0].Plugin.History(ChatMesh.Room).Count);
    }

    private static Dictionary<string, string> Arg(string first) => new() { ["command-or-room"] = first };

    /// <summary>Waits on the virtual clock (which the kit advances for the running command) until the condition holds.</summary>
    private static async Task Until(Func<bool> condition, TestMesh mesh)
    {
        for (int i = 0; i < 1000 && !condition(); i++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), mesh.Time);
        }

        Assert.True(condition(), "the script's condition did not hold within 100 virtual seconds");
    }

    /// <summary>A TextReader whose lines come from a channel: the test types into it.</summary>
    private sealed class ChannelReader(ChannelReader<string?> lines) : TextReader
    {
        public override async ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken) =>
            await lines.ReadAsync(cancellationToken);

        public override string? ReadLine() => throw new NotSupportedException("The interactive mode reads asynchronously.");
    }
}
