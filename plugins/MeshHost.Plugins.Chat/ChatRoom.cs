using MeshHost.Sdk;

namespace MeshHost.Plugins.Chat;

/// <summary>A room member as this node last heard it.</summary>
/// <param name="Peer">The member's NodeId.</param>
/// <param name="LastHeard">How long ago it was last heard (beacon, post or sync).</param>
public sealed record ChatMember(PeerId Peer, TimeSpan LastHeard);

/// <summary>
/// A joined room: its topic subscription and the members heard on it, a bounded table (the least
/// recently heard is dropped beyond <see cref="MaxMembers"/>).
/// </summary>
/// <remarks>Thread-safe.</remarks>
internal sealed class ChatRoom : IDisposable
{
    public const int MaxMembers = 1024;

    private readonly Lock _sync = new();
    private readonly Dictionary<PeerId, long> _members = [];
    private IDisposable? _subscription;

    public ChatRoom(string name, ITopic<RoomFrame> topic)
    {
        Name = name;
        Topic = topic;
    }

    public string Name { get; }

    public ITopic<RoomFrame> Topic { get; }

    /// <summary>The topic a room runs on; the version is in the name so a v2 can run beside it.</summary>
    public static string TopicName(string room) => "meshhost.chat/v1/room/" + room;

    public void Subscribe(MessageHandler<RoomFrame> handler) => _subscription = Topic.Subscribe(handler);

    public void Heard(PeerId peer, TimeProvider time)
    {
        long now = time.GetTimestamp();
        lock (_sync)
        {
            if (!_members.ContainsKey(peer) && _members.Count >= MaxMembers)
            {
                PeerId oldest = default;
                long oldestAt = long.MaxValue;
                foreach ((PeerId id, long at) in _members)
                {
                    if (at < oldestAt)
                    {
                        (oldest, oldestAt) = (id, at);
                    }
                }

                _members.Remove(oldest);
            }

            _members[peer] = now;
        }
    }

    public bool Knows(PeerId peer)
    {
        lock (_sync)
        {
            return _members.ContainsKey(peer);
        }
    }

    public List<ChatMember> Members(TimeProvider time, TimeSpan within)
    {
        var members = new List<ChatMember>();
        lock (_sync)
        {
            foreach ((PeerId peer, long at) in _members)
            {
                TimeSpan ago = time.GetElapsedTime(at);
                if (ago <= within)
                {
                    members.Add(new ChatMember(peer, ago));
                }
            }
        }

        members.Sort((a, b) => a.Peer.CompareTo(b.Peer));
        return members;
    }

    /// <summary>A random member heard within <paramref name="within"/>, or null.</summary>
    public PeerId? PickMember(TimeProvider time, TimeSpan within)
    {
        List<ChatMember> members = Members(time, within);
        return members.Count == 0 ? null : members[Random.Shared.Next(members.Count)].Peer;
    }

    public void Dispose()
    {
        _subscription?.Dispose();
        Topic.Dispose();
    }
}
