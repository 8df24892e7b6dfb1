using MeshHost.Transport.Testing;

namespace MeshHost.Sdk.Testing;

/// <summary>Breaking and healing the links between nodes.</summary>
public sealed partial class TestMesh
{
    /// <summary>
    /// Cuts both directions between <paramref name="a"/> and <paramref name="b"/>: what is sent
    /// across, or still in flight, is lost until <see cref="Heal"/>. Sessions over the cut time out
    /// as they would on a real network (after the transport's idle timeout, 30 s).
    /// </summary>
    public void Partition(TestNode a, TestNode b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        Network.Partition(a.EndPoint, b.EndPoint);
    }

    /// <summary>Reconnects <paramref name="a"/> and <paramref name="b"/> after <see cref="Partition"/>.</summary>
    public void Heal(TestNode a, TestNode b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        Network.Heal(a.EndPoint, b.EndPoint);
    }

    /// <summary>Partitions <paramref name="node"/> from every other node (those started later are not cut).</summary>
    public void Isolate(TestNode node) => ForEachOther(node, Partition);

    /// <summary>Heals every link of <paramref name="node"/> (undoes <see cref="Isolate"/>).</summary>
    public void Reconnect(TestNode node) => ForEachOther(node, Heal);

    /// <summary>
    /// Makes every link lose <paramref name="lossRate"/> of its datagrams (each independently, from
    /// the seeded generator), for datagrams sent from now on; 0 restores perfect links. Links given
    /// their own conditions with <see cref="SetLinkConditions"/> keep them.
    /// </summary>
    /// <param name="lossRate">0 to 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="lossRate"/> is outside 0 to 1.</exception>
    public void SetLossRate(double lossRate) =>
        Network.DefaultConditions = Network.DefaultConditions with { LossRate = lossRate };

    /// <summary>
    /// Gives the one-way link from <paramref name="from"/> to <paramref name="to"/> its own conditions
    /// (loss, latency, jitter, duplication, bandwidth); null returns it to the mesh-wide conditions.
    /// </summary>
    public void SetLinkConditions(TestNode from, TestNode to, LinkConditions? conditions)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        Network.SetConditions(from.EndPoint, to.EndPoint, conditions);
    }

    private void ForEachOther(TestNode node, Action<TestNode, TestNode> action)
    {
        ArgumentNullException.ThrowIfNull(node);
        foreach (TestNode other in _nodes)
        {
            if (!ReferenceEquals(other, node))
            {
                action(node, other);
            }
        }
    }
}
