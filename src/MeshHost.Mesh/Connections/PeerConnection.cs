using MeshHost.Mesh.Protocol;
using MeshHost.Transport;

namespace MeshHost.Mesh.Connections;

/// <summary>
/// One session with a peer, as the mesh sees it: ready once the peer's HELLO arrived, with the
/// peer's channel table (which id to send each named channel on) and its last application activity.
/// </summary>
internal sealed class PeerConnection
{
    /// <summary>The most entries a peer's channel table may hold; more are ignored.</summary>
    public const int MaxRemoteChannels = Sdk.MeshLimits.MaxChannels;

    private readonly Lock _sync = new();
    private readonly Dictionary<string, byte> _remoteChannels = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _lastActivity;

    public PeerConnection(Session session, long now)
    {
        Session = session;
        ConnectedAt = now;
        _lastActivity = now;
    }

    public Session Session { get; }

    public NodeId Id => Session.RemoteId;

    public long ConnectedAt { get; }

    public string Agent { get; private set; } = "";

    public Task Ready => _ready.Task;

    public bool IsReady => _ready.Task.IsCompletedSuccessfully;

    public long LastActivity => Interlocked.Read(ref _lastActivity);

    public void Touch(long now) => Interlocked.Exchange(ref _lastActivity, now);

    /// <summary>Applies the peer's HELLO; false if it came twice (a protocol violation).</summary>
    public bool ApplyHello(HelloMessage hello)
    {
        lock (_sync)
        {
            if (_ready.Task.IsCompleted)
            {
                return false;
            }

            Agent = hello.Agent.Length > 64 ? hello.Agent[..64] : hello.Agent;
            AddChannelsLocked(hello.Channels);
        }

        _ready.TrySetResult();
        return true;
    }

    public void AddChannels(ChannelEntry[] entries)
    {
        lock (_sync)
        {
            AddChannelsLocked(entries);
        }
    }

    public void RemoveChannels(byte[] ids)
    {
        lock (_sync)
        {
            foreach (byte id in ids)
            {
                string? name = null;
                foreach (KeyValuePair<string, byte> entry in _remoteChannels)
                {
                    if (entry.Value == id)
                    {
                        name = entry.Key;
                        break;
                    }
                }

                if (name is not null)
                {
                    _remoteChannels.Remove(name);
                }
            }
        }
    }

    public bool TryGetRemoteChannel(string name, out byte id)
    {
        lock (_sync)
        {
            return _remoteChannels.TryGetValue(name, out id);
        }
    }

    public void Fail(Exception reason) => _ready.TrySetException(reason);

    private void AddChannelsLocked(ChannelEntry[] entries)
    {
        foreach (ChannelEntry entry in entries)
        {
            if (entry.Id is < MeshChannels.FirstNamed or > MeshChannels.LastNamed || entry.Name.Length == 0)
            {
                continue; // a peer cannot make us send on a reserved id
            }

            if (_remoteChannels.Count < MaxRemoteChannels || _remoteChannels.ContainsKey(entry.Name))
            {
                _remoteChannels[entry.Name] = entry.Id;
            }
        }
    }
}
