using System.Text;
using MeshHost.Mesh.Protocol;
using MeshHost.Sdk;

namespace MeshHost.Mesh.Channels;

/// <summary>
/// This node's named channels: name to id and id to channel. Ids are handed out round-robin over
/// the named range so that a closed channel's id is reused as late as possible, which keeps late
/// messages for an old channel from landing on a new one.
/// </summary>
internal sealed class ChannelTable
{
    private readonly Lock _sync = new();
    private readonly LocalChannel?[] _byId = new LocalChannel?[256];
    private readonly Dictionary<string, LocalChannel> _byName = new(StringComparer.Ordinal);
    private int _next = MeshChannels.FirstNamed;

    public int Count
    {
        get
        {
            lock (_sync)
            {
                return _byName.Count;
            }
        }
    }

    public static void ValidateName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        int bytes = Encoding.UTF8.GetByteCount(name);
        if (bytes == 0 || bytes > MeshLimits.MaxChannelNameBytes)
        {
            throw new ArgumentException($"A channel name is 1 to {MeshLimits.MaxChannelNameBytes} UTF-8 bytes; '{name}' is {bytes}.", nameof(name));
        }
    }

    /// <summary>Admits <paramref name="channel"/> and gives it an id.</summary>
    /// <exception cref="InvalidOperationException">The name is taken or the table is full.</exception>
    public void Add(LocalChannel channel)
    {
        lock (_sync)
        {
            if (_byName.ContainsKey(channel.Name))
            {
                throw new InvalidOperationException($"A channel named '{channel.Name}' is already open on this node.");
            }

            for (int i = 0; i < MeshLimits.MaxChannels; i++)
            {
                int id = _next;
                _next = id == MeshChannels.LastNamed ? MeshChannels.FirstNamed : id + 1;
                if (_byId[id] is null)
                {
                    channel.Id = (byte)id;
                    _byId[id] = channel;
                    _byName.Add(channel.Name, channel);
                    return;
                }
            }

            throw new InvalidOperationException($"This node already has {MeshLimits.MaxChannels} channels open, the most it can have.");
        }
    }

    public bool Remove(LocalChannel channel)
    {
        lock (_sync)
        {
            if (_byId[channel.Id] != channel)
            {
                return false;
            }

            _byId[channel.Id] = null;
            _byName.Remove(channel.Name);
            return true;
        }
    }

    public LocalChannel? Get(byte id) => Volatile.Read(ref _byId[id]);

    public ChannelEntry[] Snapshot()
    {
        lock (_sync)
        {
            var entries = new ChannelEntry[_byName.Count];
            int i = 0;
            foreach (LocalChannel channel in _byName.Values)
            {
                entries[i++] = new ChannelEntry { Name = channel.Name, Id = channel.Id };
            }

            return entries;
        }
    }

    public List<LocalChannel> All()
    {
        lock (_sync)
        {
            return [.. _byName.Values];
        }
    }
}
