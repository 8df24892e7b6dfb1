using MeshHost.Mesh.Connections;
using MeshHost.Transport;

namespace MeshHost.Mesh.Channels;

/// <summary>
/// A named channel this node has open, holding the transport channel id peers send it on. The
/// node routes each arriving message by that id to <see cref="Deliver"/>.
/// </summary>
internal abstract class LocalChannel : IDisposable
{
    private int _disposed;

    protected LocalChannel(MeshNode node, string name)
    {
        Node = node;
        Name = name;
    }

    public string Name { get; }

    /// <summary>The id peers send this channel on; set when the channel table admits it.</summary>
    public byte Id { get; internal set; }

    protected MeshNode Node { get; }

    protected bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>A message arrived on this channel. Runs on the network thread: decode, queue, return. Never throws.</summary>
    public abstract void Deliver(PeerConnection from, ReadOnlySpan<byte> payload);

    /// <summary>The last session with <paramref name="peer"/> ended.</summary>
    public virtual void OnPeerLeft(NodeId peer)
    {
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Node.CloseChannel(this);
            OnClosed();
        }
    }

    /// <summary>Releases what the channel holds (inboxes, pending requests).</summary>
    protected abstract void OnClosed();
}
