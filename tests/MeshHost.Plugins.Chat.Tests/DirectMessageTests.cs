using MeshHost.Sdk.Testing;
using MeshHost.Transport.Testing;

namespace MeshHost.Plugins.Chat.Tests;

/// <summary>Direct messages: receipts, the outbox, retries and delivery when the peer returns.</summary>
public sealed class DirectMessageTests
{
    [Fact]
    public async Task A_direct_message_to_an_online_peer_is_acknowledged()
    {
        await using TestMesh mesh = await TestMesh.StartAsync(2);
        IReadOnlyList<TestPlugin<ChatPlugin>> chats = await mesh.LoadChatAsync(ChatMesh.Settings(("Nick", "alice")));

        (ChatEntry entry, bool delivered) = await mesh.WaitAsync(chats[0].Plugin.SendDirectAsync(mesh[1].Id, "psst"), TimeSpan.FromSeconds(10));

        Assert.True(delivered);
        Assert.Equal(0, chats[0].Plugin.PendingDirectMessages);
        ChatEntry received = Assert.Single(chats[1].Plugin.History("dm:" + mesh[0].Id));
        Assert.Equal(entry.Id, received.Id);
        Assert.Equal($"alice ({mesh[0].Id.ToShortString()})", received.Display);
    }

    [Fact]
    public async Task A_direct_message_to_an_offline_peer_is_queued_persisted_and_delivered_when_it_returns()
    {
        await using TestMesh mesh = await TestMesh.StartAsync(2);
        IReadOnlyList<TestPlugin<ChatPlugin>> chats = await mesh.LoadChatAsync();
        mesh.Isolate(mesh[1]);

        (ChatEntry entry, bool delivered) = await mesh.WaitAsync(chats[0].Plugin.SendDirectAsync(mesh[1].Id, "see you later"), TimeSpan.FromSeconds(20));
        Assert.False(delivered);
        Assert.Equal(1, chats[0].Plugin.PendingDirectMessages);
        Assert.True(chats[0].Plugin.IsQueued(entry.Id));

        // The outbox survives a restart of the plugin (it is in SQLite).
        await chats[0].StopAsync();
        TestPlugin<ChatPlugin> restarted = await mesh[0].LoadChatAsync();
        Assert.Equal(1, restarted.Plugin.PendingDirectMessages);

        // Retries back off while the peer stays away.
        await mesh.AdvanceAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(1, restarted.Plugin.PendingDirectMessages);

        mesh.Reconnect(mesh[1]);
        await mesh.WaitUntilAsync(() => chats[1].Plugin.History("dm:" + mesh[0].Id).Count == 1, TimeSpan.FromSeconds(90), "the queued message to reach the returning peer");
        await mesh.WaitUntilAsync(() => restarted.Plugin.PendingDirectMessages == 0, TimeSpan.FromSeconds(10), "the receipt to empty the outbox");
        Assert.Equal(entry.Id, chats[1].Plugin.History("dm:" + mesh[0].Id)[0].Id);
        Assert.False(restarted.Plugin.IsQueued(entry.Id));
    }

    [Fact]
    public async Task A_receipt_lost_on_a_live_session_is_recovered_by_the_next_attempt_without_waiting_out_the_backoff()
    {
        // Every attempt reaches the recipient, but what it sends back takes 6 s, longer than an
        // exchange may: each receipt comes too late and is dropped, as when the recipient answers on
        // a channel the sender has since replaced. The session stays up all along (it hears from the
        // recipient, late). Coarser steps keep the 70 s of virtual time quick.
        await using TestMesh mesh = await TestMesh.StartAsync(2, new TestMeshOptions { Step = TimeSpan.FromMilliseconds(50) });
        IReadOnlyList<TestPlugin<ChatPlugin>> chats = await mesh.LoadChatAsync();
        mesh.SetLinkConditions(mesh[1], mesh[0], new LinkConditions { Latency = TimeSpan.FromSeconds(6) });

        (ChatEntry entry, bool delivered) = await mesh.WaitAsync(chats[0].Plugin.SendDirectAsync(mesh[1].Id, "did you get it?"), TimeSpan.FromSeconds(20));
        Assert.False(delivered);
        Assert.Equal(entry.Id, Assert.Single(chats[1].Plugin.History("dm:" + mesh[0].Id)).Id);

        // Long enough for an exponential backoff to reach 32 s.
        await mesh.AdvanceAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(1, chats[0].Plugin.PendingDirectMessages);
        Assert.Contains(mesh[0].ConnectedPeers, p => p.Id == mesh[1].Id);

        // The recipient has it and re-acknowledges every copy: once receipts come back in time, the
        // next attempt (at most one exchange and the first retry delay away) empties the outbox.
        mesh.SetLinkConditions(mesh[1], mesh[0], null);
        await mesh.WaitUntilAsync(() => chats[0].Plugin.PendingDirectMessages == 0, ChatPlugin.ExchangeTimeout + TimeSpan.FromSeconds(2), "a re-sent copy's receipt to empty the outbox");
        Assert.False(chats[0].Plugin.IsQueued(entry.Id));
        Assert.Single(chats[1].Plugin.History("dm:" + mesh[0].Id));
    }

    [Fact]
    public async Task A_message_delivered_twice_at_once_leaves_the_outbox_count_exact()
    {
        // A slow link: the first attempt is still in flight when the retry loop ticks (every 250 ms)
        // and sends the queued message again. Both copies are acknowledged.
        await using TestMesh mesh = await TestMesh.StartAsync(2);
        IReadOnlyList<TestPlugin<ChatPlugin>> chats = await mesh.LoadChatAsync();
        var slow = new LinkConditions { Latency = TimeSpan.FromMilliseconds(400) };
        mesh.SetLinkConditions(mesh[0], mesh[1], slow);
        mesh.SetLinkConditions(mesh[1], mesh[0], slow);

        (_, bool delivered) = await mesh.WaitAsync(chats[0].Plugin.SendDirectAsync(mesh[1].Id, "twice"), TimeSpan.FromSeconds(10));
        Assert.True(delivered);
        await mesh.AdvanceAsync(TimeSpan.FromSeconds(2));

        Assert.Equal(1, chats[1].Plugin.Counters.Duplicates);
        Assert.Equal(0, chats[0].Plugin.PendingDirectMessages);

        // The count still tracks the outbox: the next DM to an unreachable peer is retried, and counted.
        mesh.Isolate(mesh[1]);
        (_, delivered) = await mesh.WaitAsync(chats[0].Plugin.SendDirectAsync(mesh[1].Id, "later"), TimeSpan.FromSeconds(10));
        Assert.False(delivered);
        Assert.Equal(1, chats[0].Plugin.PendingDirectMessages);
    }
}
