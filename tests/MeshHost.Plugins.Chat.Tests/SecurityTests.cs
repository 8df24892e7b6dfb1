using MeshHost.Sdk;
using MeshHost.Sdk.Testing;

namespace MeshHost.Plugins.Chat.Tests;

/// <summary>Hostile input from a raw node on the mesh: forged, replayed, impersonating, flooding, blocked.</summary>
public sealed class SecurityTests
{
    [Fact]
    public async Task Forged_and_replayed_messages_are_rejected_and_counted()
    {
        await using TestMesh mesh = await TestMesh.StartAsync(2);
        TestPlugin<ChatPlugin> chat = await mesh[0].LoadChatAsync();
        chat.Plugin.Join(ChatMesh.Room);

        // Node 1 runs no plugin: it speaks the sync protocol straight on the mesh and signs with its own key.
        using IRequestChannel<SyncRequest, SyncResponse> raw = mesh[1].Mesh.OpenRequestChannel<SyncRequest, SyncResponse>(ChatPlugin.SyncChannelName);
        await mesh.AdvanceAsync(TestMesh.ChannelAnnouncementTime);
        INodeSigner key = mesh[1].Mesh.Identity;
        ulong now = HybridLogicalClock.FromTime(mesh.Time.GetUtcNow());
        ChatMessage honest = ChatCodec.Create(key, ChatMesh.Room, now, "mallory", "hello", recipient: null);
        ChatMessage altered = honest with { Text = "give me your keys" };
        ChatMessage reIdentified = ChatCodec.Create(key, ChatMesh.Room, now, "mallory", "give me your keys", null) with { Signature = honest.Signature };
        ChatMessage stolenAuthor = honest with { Author = mesh[0].Mesh.Identity.PublicKey.ToArray() };
        ChatMessage future = ChatCodec.Create(key, ChatMesh.Room, now + HybridLogicalClock.FromTime(DateTimeOffset.UnixEpoch.AddHours(1)), "mallory", "from the future", null);
        ChatMessage garbage = honest with { Id = [1, 2, 3] };

        SyncResponse first = await mesh.WaitAsync(raw.RequestAsync(mesh[0].Id, new SyncRequest { Room = ChatMesh.Room, Messages = [honest, altered, reIdentified, stolenAuthor, future, garbage] }, TimeSpan.FromSeconds(5)), TimeSpan.FromSeconds(10));
        SyncResponse replay = await mesh.WaitAsync(raw.RequestAsync(mesh[0].Id, new SyncRequest { Room = ChatMesh.Room, Messages = [honest, honest] }, TimeSpan.FromSeconds(5)), TimeSpan.FromSeconds(10));

        Assert.Equal(1, first.Accepted);
        Assert.Equal(0, replay.Accepted);
        Assert.Equal(3, chat.Plugin.Counters.Forged);
        Assert.Equal(2, chat.Plugin.Counters.Invalid);
        Assert.Equal(2, chat.Plugin.Counters.Duplicates);
        ChatEntry shown = Assert.Single(chat.Plugin.History(ChatMesh.Room));
        Assert.Equal("hello", shown.Text);
        Assert.Equal(mesh[1].Id, shown.Author);

        // A nick is never shown without the id it is bound to.
        Assert.Equal($"mallory ({mesh[1].Id.ToShortString()})", shown.Display);
        Assert.Equal(PluginState.Running, chat.State);
        Assert.Equal(0, chat.FaultCount);
    }

    [Fact]
    public async Task A_blocked_author_is_dropped_and_a_flooding_peer_is_rate_limited()
    {
        await using TestMesh mesh = await TestMesh.StartAsync(2);
        TestPlugin<ChatPlugin> chat = await mesh[0].LoadChatAsync(ChatMesh.Settings(("MessagesPerSecond", "1")));
        chat.Plugin.Join(ChatMesh.Room);
        using IRequestChannel<ChatMessage, DirectAck> raw = mesh[1].Mesh.OpenRequestChannel<ChatMessage, DirectAck>(ChatPlugin.DirectChannelName);
        await mesh.AdvanceAsync(TestMesh.ChannelAnnouncementTime);
        INodeSigner key = mesh[1].Mesh.Identity;

        // Burst 5 at 1 a second: of 20 in quick succession about 5 are stored (a token may refill
        // while they run) and the rest get no receipt.
        int delivered = 0;
        for (int i = 0; i < 20; i++)
        {
            ChatMessage dm = ChatCodec.Create(key, "", HybridLogicalClock.FromTime(mesh.Time.GetUtcNow()) + (ulong)i, "", $"spam {i}", mesh[0].Id);
            DirectAck ack = await mesh.WaitAsync(raw.RequestAsync(mesh[0].Id, dm, TimeSpan.FromSeconds(5)), TimeSpan.FromSeconds(10));
            delivered += ack.Delivered ? 1 : 0;
        }

        Assert.InRange(delivered, 5, 7);
        Assert.Equal(20 - delivered, chat.Plugin.Counters.RateLimited);

        chat.Plugin.Block(mesh[1].Id);
        await mesh.AdvanceAsync(TimeSpan.FromSeconds(10));
        ChatMessage blocked = ChatCodec.Create(key, "", HybridLogicalClock.FromTime(mesh.Time.GetUtcNow()), "", "let me in", mesh[0].Id);
        DirectAck refused = await mesh.WaitAsync(raw.RequestAsync(mesh[0].Id, blocked, TimeSpan.FromSeconds(5)), TimeSpan.FromSeconds(10));
        Assert.False(refused.Delivered);
        Assert.Equal(1, chat.Plugin.Counters.Blocked);
        Assert.DoesNotContain(chat.Plugin.History("dm:" + mesh[1].Id), e => e.Text == "let me in");
        Assert.Equal([mesh[1].Id], chat.Plugin.Blocked);
    }
}
