using System.CommandLine;
using System.Net;
using MeshHost.Control;
using MeshHost.Mesh;
using MeshHost.Sdk;
using MeshHost.Transport;

namespace MeshHost.Cli;

/// <summary>
/// <c>meshhost demo</c>: a four-node mesh on 127.0.0.1 in this process, narrated. B and C join
/// through A, D joins through C only and meets A and B through the DHT; then A, parted from D,
/// finds D by id through the DHT and dials it.
/// </summary>
internal sealed class DemoCommand : IAsyncDisposable
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    private readonly TextWriter _out;
    private readonly TimeProvider _time = TimeProvider.System;
    private readonly long _started;
    private readonly DirectoryInfo _root;
    private readonly List<(string Name, MeshNode Node)> _nodes = [];

    private DemoCommand(TextWriter output)
    {
        _out = output;
        _started = _time.GetTimestamp();
        _root = Directory.CreateTempSubdirectory("meshhost-demo-");
    }

    public static Command Create(CliConsole console)
    {
        Command command = new("demo", "Start a four-node mesh on 127.0.0.1 in this process and narrate how the nodes find each other.");
        command.SetAction(async (_, ct) =>
        {
            DemoCommand demo = new(console.Out);
            await using (demo.ConfigureAwait(false))
            {
                try
                {
                    await demo.RunAsync(ct).ConfigureAwait(false);
                    return ExitCodes.Success;
                }
                catch (DemoFailedException e)
                {
                    console.Error.WriteLine("meshhost demo: " + e.Message);
                    return ExitCodes.Failure;
                }
            }
        });
        return command;
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        _out.WriteLine("A mesh of four nodes on 127.0.0.1, in this process (data in a temporary directory, LAN beacons to loopback only).");
        _out.WriteLine();

        MeshNode a = await StartAsync("A", null, cancellationToken).ConfigureAwait(false);
        MeshNode b = await StartAsync("B", a, cancellationToken).ConfigureAwait(false);
        await ConnectedAsync(b, a, "bootstrap", cancellationToken).ConfigureAwait(false);
        MeshNode c = await StartAsync("C", a, cancellationToken).ConfigureAwait(false);
        await ConnectedAsync(c, a, "bootstrap", cancellationToken).ConfigureAwait(false);
        MeshNode d = await StartAsync("D", c, cancellationToken).ConfigureAwait(false);
        await ConnectedAsync(d, c, "bootstrap", cancellationToken).ConfigureAwait(false);

        // D was told only about C. Its join is a DHT lookup of its own id through C, and DHT
        // queries run over sessions: so D meets whoever C's answers name.
        foreach ((string name, MeshNode node) in new[] { ("A", a), ("B", b) })
        {
            if (IsConnected(d, node))
            {
                Say($"D met {name} through the DHT: nobody gave either of them the other's address; C's lookup answers named {name} to D.");
            }
        }

        // Show a dial by id that needs the DHT: part A and D, as idle pruning would, then let A find D again.
        if (a.GetReadyConnection(d.Id) is { } session)
        {
            session.Session.Close("demo: parting to show a dial by id", CloseCode.Normal);
            await PartedAsync(a, d, cancellationToken).ConfigureAwait(false);
            Say("A closes its session with D (as idle pruning would): A now knows D only by id.");
        }

        long lookupStarted = _time.GetTimestamp();
        PeerLookup lookup = await Bounded(ct => a.FindPeerAsync(d.Id, ct), "A's DHT lookup of D", cancellationToken).ConfigureAwait(false);
        TimeSpan lookupTook = _time.GetElapsedTime(lookupStarted);
        if (!lookup.Found)
        {
            throw new DemoFailedException($"A's DHT lookup did not find D after {lookup.Hops} rounds.");
        }

        string how = lookup.Connected ? "through a live session"
            : lookup.Hops == 0 ? "in the DHT records A itself stores (D published its signed peer record to the nodes closest to its id, A among them)"
            : $"after {lookup.Hops} lookup round{(lookup.Hops == 1 ? "" : "s")}";
        Say($"A looks D ({d.Id.ToShortString()}) up by id: found at {string.Join(", ", lookup.EndPoints)} {how}, {Formatting.Duration(lookupTook)}.");

        bool connectedBeforeDial = IsConnected(a, d);
        long dialStarted = _time.GetTimestamp();
        await Bounded(async ct => { await a.ConnectAsync(NodeIds.ToPeerId(d.Id), ct).ConfigureAwait(false); return true; }, "A's dial of D", cancellationToken).ConfigureAwait(false);
        Say(connectedBeforeDial
            ? "A dials D by id: the lookup's own queries had already reached D, so the dial reuses that session."
            : $"A dials D by id at the address from the lookup: connected in {Formatting.Duration(_time.GetElapsedTime(dialStarted))}.");

        _out.WriteLine();
        WritePeersTable();
        _out.WriteLine();
        Say("Stopping the nodes: each closes its sessions with the reason \"node shutting down\".");
    }

    private async Task<MeshNode> StartAsync(string name, MeshNode? seed, CancellationToken cancellationToken)
    {
        MeshNodeOptions options = new()
        {
            DataDirectory = _root.CreateSubdirectory(name).FullName,
            ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0),
            LanBeaconAddress = IPAddress.Loopback,
            Bootstrap = seed is null ? [] : [seed.LocalEndPoint],
        };
        MeshNode node = await Bounded(ct => MeshNode.StartAsync(options, null, ct), $"starting {name}", cancellationToken).ConfigureAwait(false);
        _nodes.Add((name, node));
        Say(seed is null
            ? $"{name} ({node.Id.ToShortString()}) starts on {node.LocalEndPoint}, with no seeds: it waits to be found."
            : $"{name} ({node.Id.ToShortString()}) starts on {node.LocalEndPoint} and bootstraps to {NameOf(seed.Id)} at {seed.LocalEndPoint}.");
        return node;
    }

    private async Task ConnectedAsync(MeshNode from, MeshNode to, string via, CancellationToken cancellationToken)
    {
        long started = _time.GetTimestamp();
        await UntilAsync(() => IsConnected(from, to) && IsConnected(to, from), $"{NameOf(from.Id)} connecting to {NameOf(to.Id)}", cancellationToken).ConfigureAwait(false);
        Say($"{NameOf(from.Id)} and {NameOf(to.Id)} are connected (via {via}; session up {Formatting.Duration(_time.GetElapsedTime(started))} after start).");
    }

    private Task PartedAsync(MeshNode one, MeshNode other, CancellationToken cancellationToken) =>
        UntilAsync(() => !IsConnected(one, other) && !IsConnected(other, one), $"{NameOf(one.Id)} and {NameOf(other.Id)} parting", cancellationToken);

    private Task UntilAsync(Func<bool> condition, string what, CancellationToken cancellationToken) => Bounded(
        async ct =>
        {
            while (!condition())
            {
                await Task.Delay(PollInterval, _time, ct).ConfigureAwait(false);
            }

            return true;
        },
        what,
        cancellationToken);

    private void WritePeersTable()
    {
        TextTable table = new("NODE", "ID", "LISTENING ON", "PEERS (who dialled: > us, < them)");
        foreach ((string name, MeshNode node) in _nodes)
        {
            List<string> peers = [];
            foreach (ConnectedPeer peer in node.Connected)
            {
                peers.Add((peer.Outbound ? ">" : "<") + NameOf(NodeIds.ToNodeId(peer.Id)) + " " + Formatting.Duration(peer.RoundTripTime));
            }

            peers.Sort(StringComparer.Ordinal);
            table.Add(name, node.Id.ToShortString(), node.LocalEndPoint.ToString(), peers.Count == 0 ? "none" : string.Join(", ", peers));
        }

        table.WriteTo(_out);
    }

    private static bool IsConnected(MeshNode from, MeshNode to)
    {
        PeerId target = NodeIds.ToPeerId(to.Id);
        foreach (ConnectedPeer peer in from.Connected)
        {
            if (peer.Id == target)
            {
                return true;
            }
        }

        return false;
    }

    private string NameOf(NodeId id)
    {
        foreach ((string name, MeshNode node) in _nodes)
        {
            if (node.Id == id)
            {
                return name;
            }
        }

        return id.ToShortString();
    }

    private void Say(string line)
    {
        TimeSpan at = _time.GetElapsedTime(_started);
        _out.WriteLine($"[{at.TotalSeconds,6:0.000} s] {line}");
        _out.Flush();
    }

    private async Task<T> Bounded<T>(Func<CancellationToken, Task<T>> step, string what, CancellationToken cancellationToken)
    {
        using CancellationTokenSource timeout = new(StepTimeout, _time);
        using CancellationTokenSource linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            return await step(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new DemoFailedException($"{what} took longer than {StepTimeout.TotalSeconds:0} s.", e);
        }
        catch (Exception e) when (e is MeshException or TimeoutException or NotSupportedException or System.Net.Sockets.SocketException)
        {
            throw new DemoFailedException($"{what} failed: {e.Message}", e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        for (int i = _nodes.Count - 1; i >= 0; i--)
        {
            await _nodes[i].Node.DisposeAsync().ConfigureAwait(false);
        }

        _nodes.Clear();
        try
        {
            _root.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A file still held open (antivirus, a slow close) leaves the temp folder to the OS's cleanup.
        }
    }

    private sealed class DemoFailedException : Exception
    {
        public DemoFailedException(string message)
            : base(message)
        {
        }

        public DemoFailedException(string message, Exception innerException)
            : base(message, innerException)
        {
        }
    }
}
