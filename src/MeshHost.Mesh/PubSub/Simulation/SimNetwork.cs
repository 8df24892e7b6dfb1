using MeshHost.Transport.Testing;

namespace MeshHost.Mesh.PubSub.Simulation;

/// <summary>
/// Frames in flight on a <see cref="SimTopology"/>: each takes its link's latency on the manual
/// clock (a one-shot timer) and is lost with the seeded probability <see cref="LossRate"/>.
/// Counts frames and bytes sent and lost.
/// </summary>
/// <remarks>Single-threaded, like the clock that drives it.</remarks>
internal sealed class SimNetwork
{
    private readonly Random _loss;

    public SimNetwork(SimTopology topology, ManualTimeProvider clock, int seed)
    {
        Topology = topology;
        Clock = clock;
        _loss = new Random(seed);
    }

    public SimTopology Topology { get; }

    public ManualTimeProvider Clock { get; }

    /// <summary>Probability, 0 to 1, that a frame is lost in flight.</summary>
    public double LossRate { get; set; }

    public long FramesSent { get; private set; }

    public long BytesSent { get; private set; }

    public long FramesLost { get; private set; }

    /// <summary>
    /// Sends a frame of <paramref name="bytes"/> bytes from <paramref name="from"/> to <paramref name="to"/>;
    /// <paramref name="deliver"/> runs at arrival unless the frame is lost. False when the two are not linked.
    /// </summary>
    public bool Send<TState>(int from, int to, int bytes, TState state, Action<TState> deliver)
    {
        if (!Topology.AreLinked(from, to))
        {
            return false;
        }

        FramesSent++;
        BytesSent += bytes;
        if (LossRate > 0 && _loss.NextDouble() < LossRate)
        {
            FramesLost++;
            return true;
        }

        var flight = new Flight<TState>(state, deliver);
        flight.Timer = Clock.CreateTimer(static s => ((Flight<TState>)s!).Land(), flight, Topology.Latency(from, to), Timeout.InfiniteTimeSpan);
        return true;
    }

    private sealed class Flight<TState>(TState state, Action<TState> deliver)
    {
        public ITimer? Timer { get; set; }

        public void Land()
        {
            Timer?.Dispose();
            deliver(state);
        }
    }
}
