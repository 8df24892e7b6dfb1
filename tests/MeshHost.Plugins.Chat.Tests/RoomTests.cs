using MeshHost.Sdk.Testing;

namespace MeshHost.Plugins.Chat.Tests;

/// <summary>Rooms on the kit's mesh: delivery, order, loss, partitions and the history bound.</summary>
public sealed class RoomTests
{
    [Fact]
    public async Task Twenty_members_see_every_message_exactly_once_and_in_the_same_order_under_ten_percent_loss()
    {
        await using TestMesh mesh = await TestMesh.StartAsync(20);
        IReadOnlyList<TestPlugin<ChatPlugin>> chats = await mesh.LoadChatAsync();
        await mesh.JoinAllAsync(chats);
        var deliveries = new Deliveries(chats);
        mesh.SetLossRate(0.10);

        for (int round = 0; round < 2; round++)
        {
            foreach (TestPlugin<ChatPlugin> chat in chats)
            {
                await mesh.WaitAsync(chat.Plugin.PostAsync(ChatMesh.Room, $"round {round} from {chat.Node.Id.ToShortString()}"), TimeSpan.FromSeconds(5));
            }

            await mesh.AdvanceAsync(TimeSpan.FromMilliseconds(50));
        }

        await mesh.WaitUntilAsync(() => chats.All(c => c.Plugin.History(ChatMesh.Room, 1000).Count == 40), TimeSpan.FromSeconds(30), "every member to hold all 40 messages");

        List<string> order = chats[0].Ids();
        Assert.Equal(40, order.Distinct().Count());
        foreach (TestPlugin<ChatPlugin> chat in chats)
        {
            Assert.Equal(order, chat.Ids());
            IReadOnlyCollection<string> seen = deliveries.Of(chat.Node);
            Assert.Equal(40, seen.Count);
            Assert.Equal(40, seen.Distinct().Count());
            Assert.Equal(0, chat.Plugin.Counters.Forged);
        }

        // The agreed order is (HLC, author, id): check it holds, not just that nodes agree.
        IReadOnlyList<ChatEntry> history = chats[0].Plugin.History(ChatMesh.Room, 1000);
        for (int i = 1; i < history.Count; i++)
        {
            Assert.True(history[i - 1].Hlc < history[i].Hlc || (history[i - 1].Hlc == history[i].Hlc && history[i - 1].Author < history[i].Author));
        }
    }

    [Fact]
    public async Task A_healed_partition_backfills_the_history_of_both_sides()
    {
        await using TestMesh mesh = await TestMesh.StartAsync(4);
        IReadOnlyList<TestPlugin<ChatPlugin>> chats = await mesh.LoadChatAsync();
        await mesh.JoinAllAsync(chats);
        await mesh.WaitAsync(chats[0].Plugin.PostAsync(ChatMesh.Room, "before the split"), TimeSpan.FromSeconds(5));
        await mesh.WaitUntilAsync(() => chats.All(c => c.Ids().Count == 1), TimeSpan.FromSeconds(10), "the first message everywhere");

        foreach (int a in new[] { 0, 1 })
        {
            foreach (int b in new[] { 2, 3 })
            {
                mesh.Partition(mesh[a], mesh[b]);
            }
        }

        await mesh.WaitAsync(chats[0].Plugin.PostAsync(ChatMesh.Room, "west 1"), TimeSpan.FromSeconds(5));
        await mesh.WaitAsync(chats[1].Plugin.PostAsync(ChatMesh.Room, "west 2"), TimeSpan.FromSeconds(5));
        await mesh.WaitAsync(chats[2].Plugin.PostAsync(ChatMesh.Room, "east 1"), TimeSpan.FromSeconds(5));
        await mesh.WaitUntilAsync(() => chats[1].Ids().Count == 3 && chats[3].Ids().Count == 2, TimeSpan.FromSeconds(10), "each side to see its own messages");
        await mesh.AdvanceAsync(TimeSpan.FromSeconds(3));
        Assert.Equal(3, chats[0].Ids().Count);
        Assert.Equal(2, chats[2].Ids().Count);

        foreach (int a in new[] { 0, 1 })
        {
            foreach (int b in new[] { 2, 3 })
            {
                mesh.Heal(mesh[a], mesh[b]);
            }
        }

        await mesh.WaitUntilAsync(() => chats.All(c => c.Ids().Count == 4), TimeSpan.FromSeconds(60), "both sides to backfill what the other said");
        List<string> order = chats[0].Ids();
        Assert.All(chats, c => Assert.Equal(order, c.Ids()));
        Assert.Equal(["before the split", "east 1", "west 1", "west 2"], chats[3].Plugin.History(ChatMesh.Room).Select(e => e.Text).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_member_that_joins_late_gets_the_history_by_sync()
    {
        await using TestMesh mesh = await TestMesh.StartAsync(3);
        IReadOnlyList<TestPlugin<ChatPlugin>> chats = await mesh.LoadChatAsync();
        await mesh.JoinAllAsync([chats[0], chats[1]]);
        for (int i = 0; i < 5; i++)
        {
            await mesh.WaitAsync(chats[i % 2].Plugin.PostAsync(ChatMesh.Room, $"early {i}"), TimeSpan.FromSeconds(5));
        }

        chats[2].Plugin.Join(ChatMesh.Room);

        await mesh.WaitUntilAsync(() => chats[2].Ids().Count == 5, TimeSpan.FromSeconds(20), "the late member to sync the five messages");
        Assert.Equal(chats[0].Ids(), chats[2].Ids());
    }

    [Fact]
    public async Task History_is_bounded_by_count_and_by_age_and_pruned_messages_do_not_come_back()
    {
        await using TestMesh mesh = await TestMesh.StartAsync(2);
        IReadOnlyList<TestPlugin<ChatPlugin>> chats = await mesh.LoadChatAsync(ChatMesh.Settings(("MaxMessagesPerRoom", "10"), ("MaxAgeHours", "0.01")));
        await mesh.JoinAllAsync(chats);

        for (int i = 0; i < 15; i++)
        {
            await mesh.WaitAsync(chats[0].Plugin.PostAsync(ChatMesh.Room, $"message {i}"), TimeSpan.FromSeconds(5));
        }

        await mesh.WaitUntilAsync(() => chats[1].Plugin.History(ChatMesh.Room, 100).Any(e => e.Text == "message 14"), TimeSpan.FromSeconds(10), "the last message to arrive");
        await mesh.AdvanceAsync(TimeSpan.FromSeconds(3));
        foreach (TestPlugin<ChatPlugin> chat in chats)
        {
            IReadOnlyList<ChatEntry> kept = chat.Plugin.History(ChatMesh.Room, 100);
            Assert.Equal(Enumerable.Range(5, 10).Select(i => $"message {i}"), kept.Select(e => e.Text));
        }

        // 0.01 h is 36 s: everything ages out, and syncs do not bring it back.
        await mesh.AdvanceAsync(TimeSpan.FromSeconds(40));
        Assert.All(chats, c => Assert.Empty(c.Plugin.History(ChatMesh.Room, 100)));
    }

    [Fact]
    public async Task A_message_larger_than_the_limit_is_refused_with_a_clear_error()
    {
        await using TestMesh mesh = await TestMesh.StartAsync(1);
        TestPlugin<ChatPlugin> chat = await mesh[0].LoadChatAsync(ChatMesh.Settings(("MaxTextBytes", "16")));
        chat.Plugin.Join(ChatMesh.Room);

        ArgumentException tooLarge = await Assert.ThrowsAsync<ArgumentException>(() => chat.Plugin.PostAsync(ChatMesh.Room, new string('x', 17)));
        Assert.Contains("16 UTF-8 bytes", tooLarge.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidOperationException>(() => chat.Plugin.PostAsync("elsewhere", "hi"));
        Assert.Throws<ArgumentException>(() => chat.Plugin.Join("Not A Room!"));
    }
}
