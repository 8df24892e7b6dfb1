using System.Collections.Concurrent;
using MeshHost.Sdk;
using MeshHost.Sdk.Testing;

namespace MeshHost.Plugins.Chat.Tests;

/// <summary>Loads the chat plugin the way the tests want it (sync every virtual second) and records what each node shows.</summary>
internal static class ChatMesh
{
    public const string Room = "lobby";

    public static Dictionary<string, string?> Settings(params (string Key, string Value)[] extra)
    {
        Dictionary<string, string?> settings = new() { ["SyncIntervalSeconds"] = "1" };
        foreach ((string key, string value) in extra)
        {
            settings[key] = value;
        }

        return settings;
    }

    public static Task<IReadOnlyList<TestPlugin<ChatPlugin>>> LoadChatAsync(this TestMesh mesh, Dictionary<string, string?>? settings = null) =>
        mesh.LoadPluginAsync<ChatPlugin>(ChatPlugin.Id, settings ?? Settings());

    public static Task<TestPlugin<ChatPlugin>> LoadChatAsync(this TestNode node, Dictionary<string, string?>? settings = null) =>
        node.LoadPluginAsync<ChatPlugin>(ChatPlugin.Id, settings ?? Settings());

    /// <summary>Joins every plugin to <paramref name="room"/> and waits until each hears every other member.</summary>
    public static async Task JoinAllAsync(this TestMesh mesh, IReadOnlyList<TestPlugin<ChatPlugin>> chats, string room = Room, TimeSpan? within = null)
    {
        foreach (TestPlugin<ChatPlugin> chat in chats)
        {
            chat.Plugin.Join(room);
        }

        await mesh.WaitUntilAsync(
            () => chats.All(c => c.Plugin.Members(room).Count == chats.Count - 1),
            within ?? TimeSpan.FromSeconds(20),
            "every member to hear every other's beacon");
    }

    public static List<string> Ids(this TestPlugin<ChatPlugin> chat, string conversation = Room) =>
        [.. chat.Plugin.History(conversation, 10_000).Select(e => e.Id)];
}

/// <summary>Every message each plugin raised, to check that none is shown twice.</summary>
internal sealed class Deliveries
{
    private readonly ConcurrentDictionary<PeerId, ConcurrentBag<string>> _seen = new();

    public Deliveries(IEnumerable<TestPlugin<ChatPlugin>> chats)
    {
        foreach (TestPlugin<ChatPlugin> chat in chats)
        {
            ConcurrentBag<string> bag = _seen.GetOrAdd(chat.Node.Id, _ => []);
            chat.Plugin.MessageReceived += entry => bag.Add(entry.Id);
        }
    }

    public IReadOnlyCollection<string> Of(TestNode node) => _seen[node.Id];
}
