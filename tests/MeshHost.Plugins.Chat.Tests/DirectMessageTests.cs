using MeshHost.Sdk.Testing;

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
}
