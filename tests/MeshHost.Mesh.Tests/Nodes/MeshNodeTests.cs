using System.Net;
using MeshHost.Mesh.Protocol;
using MeshHost.Sdk;
using MeshHost.Transport;

namespace MeshHost.Mesh.Tests.Nodes;

public sealed class MeshNodeTests
{
    [Fact]
    public async Task Nodes_bootstrap_and_find_each_other_through_the_dht()
    {
        await using var mesh = new TestNodes();
        MeshNode seed = await mesh.StartAsync();
        MeshNode b = await mesh.StartAsync(seed);
        MeshNode c = await mesh.StartAsync(seed);

        Assert.Contains(seed.Connected, p => p.Id == b.LocalId);
        Assert.Contains(seed.Connected, p => p.Id == c.LocalId);

        // c learns b's address from the DHT alone (its peer record, or b in the lookup's closest set).
        PeerLookup lookup = await c.FindPeerAsync(b.Id).WaitAsync(TestNodes.Timeout);
        Assert.True(lookup.Found, "b's peer record was not found");
        Assert.Contains(lookup.EndPoints, e => e.Port == b.LocalEndPoint.Port);

        await c.ConnectAsync(b.LocalId).WaitAsync(TestNodes.Timeout);
        Assert.Contains(c.Connected, p => p.Id == b.LocalId);
        await TestNodes.WaitUntilAsync(() => b.Connected.Any(p => p.Id == c.LocalId), "b to list c");
    }

    [Fact]
    public async Task Dial_by_node_id_reaches_a_peer_known_only_through_the_dht()
    {
        await using var mesh = new TestNodes();
        MeshNode seed = await mesh.StartAsync();
        var others = new List<MeshNode>();
        for (int i = 0; i < 5; i++)
        {
            others.Add(await mesh.StartAsync(seed));
        }

        MeshNode first = others[0];
        MeshNode last = others[^1];
        using IChannel<Note> inbox = last.OpenChannel<Note>("test/notes");
        var received = new TaskCompletionSource<(PeerId, Note)>(TaskCreationOptions.RunContinuationsAsynchronously);
        using IDisposable handler = inbox.OnReceived((from, note, _) =>
        {
            received.TrySetResult((from, note));
            return ValueTask.CompletedTask;
        });
        using IChannel<Note> outbox = first.OpenChannel<Note>("test/notes");

        // first may already have a session with last (from the DHT join), opened before last's
        // channel existed: the channel-table update is then in flight, and a send now would be
        // refused as ChannelNotOpenedByPeer. Dialling by id is what this test is about.
        await first.ConnectAsync(last.LocalId).WaitAsync(TestNodes.Timeout);
        await TestNodes.WaitForChannelAsync(first, last, "test/notes");
        await outbox.SendAsync(last.LocalId, new Note { Text = "hello", Number = 7 }).AsTask().WaitAsync(TestNodes.Timeout);
        (PeerId from, Note note) = await received.Task.WaitAsync(TestNodes.Timeout);
        Assert.Equal(first.LocalId, from);
        Assert.Equal("hello", note.Text);
        Assert.Equal(7, note.Number);
    }

    [Fact]
    public async Task A_reliable_ordered_channel_delivers_every_message_in_order()
    {
        await using var mesh = new TestNodes();
        MeshNode a = await mesh.StartAsync();
        MeshNode b = await mesh.StartAsync(a);
        using IChannel<Note> receiver = b.OpenChannel<Note>("test/ordered");
        var numbers = new List<int>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using IDisposable handler = receiver.OnReceived((from, note, _) =>
        {
            numbers.Add(note.Number);
            if (numbers.Count == 500)
            {
                all.TrySetResult();
            }

            return ValueTask.CompletedTask;
        });
        using IChannel<Note> sender = a.OpenChannel<Note>("test/ordered");
        await TestNodes.WaitForChannelAsync(a, b, "test/ordered");

        for (int i = 0; i < 500; i++)
        {
            await sender.SendAsync(b.LocalId, new Note { Number = i });
        }

        await all.Task.WaitAsync(TestNodes.Timeout);
        Assert.Equal(Enumerable.Range(0, 500), numbers);
    }

    [Fact]
    public async Task Request_response_round_trips_and_reports_errors_and_timeouts()
    {
        await using var mesh = new TestNodes();
        MeshNode server = await mesh.StartAsync();
        MeshNode client = await mesh.StartAsync(server);
        using IRequestChannel<Sum, SumResult> serve = server.OpenRequestChannel<Sum, SumResult>("test/sum");
        using IRequestChannel<Sum, SumResult> ask = client.OpenRequestChannel<Sum, SumResult>("test/sum");

        // No handler yet: a clear remote error, not a hang.
        await TestNodes.WaitForChannelAsync(client, server, "test/sum");
        MeshException noHandler = await Assert.ThrowsAsync<MeshException>(() => ask.RequestAsync(server.LocalId, new Sum { A = 1, B = 2 }, TestNodes.Timeout));
        Assert.Equal(MeshError.RemoteError, noHandler.Error);
        Assert.Contains("no handler", noHandler.Message, StringComparison.Ordinal);

        var release = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        using IDisposable handler = serve.Handle(async (from, sum, ct) =>
        {
            if (sum.A < 0)
            {
                throw new InvalidOperationException("secret local detail");
            }

            if (sum.A == 999)
            {
                await release.Task.WaitAsync(ct);
            }

            return new SumResult { Value = sum.A + sum.B };
        });
        Assert.Throws<InvalidOperationException>(() => serve.Handle((_, _, _) => ValueTask.FromResult(new SumResult())));

        SumResult result = await ask.RequestAsync(server.LocalId, new Sum { A = 20, B = 22 }, TestNodes.Timeout);
        Assert.Equal(42, result.Value);

        // Many concurrent requests each get their own answer.
        Task<SumResult>[] many = Enumerable.Range(0, 50).Select(i => ask.RequestAsync(server.LocalId, new Sum { A = i, B = 1000 }, TestNodes.Timeout)).ToArray();
        SumResult[] answers = await Task.WhenAll(many);
        Assert.Equal(Enumerable.Range(1000, 50), answers.Select(a => a.Value));

        MeshException failed = await Assert.ThrowsAsync<MeshException>(() => ask.RequestAsync(server.LocalId, new Sum { A = -1 }, TestNodes.Timeout));
        Assert.Equal(MeshError.RemoteError, failed.Error);
        Assert.DoesNotContain("secret", failed.Message, StringComparison.Ordinal);

        await Assert.ThrowsAsync<TimeoutException>(() => ask.RequestAsync(server.LocalId, new Sum { A = 999 }, TimeSpan.FromMilliseconds(200)));
        using var cancel = new CancellationTokenSource();
        Task<SumResult> cancelled = ask.RequestAsync(server.LocalId, new Sum { A = 999 }, TestNodes.Timeout, cancel.Token);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        release.SetResult(true);
        Assert.Equal(1, server.Counters.HandlerFaults);
    }

    [Fact]
    public async Task A_channel_the_peer_has_not_opened_is_refused_at_send_and_dropped_at_receive()
    {
        await using var mesh = new TestNodes();
        MeshNode a = await mesh.StartAsync();
        MeshNode b = await mesh.StartAsync(a);
        using IChannel<Note> onlyA = a.OpenChannel<Note>("test/only-a");

        MeshException refused = await Assert.ThrowsAsync<MeshException>(() => onlyA.SendAsync(b.LocalId, new Note()).AsTask());
        Assert.Equal(MeshError.ChannelNotOpenedByPeer, refused.Error);

        // A peer that sends on an id we never gave out (or closed) is dropped and counted, not an error.
        using IChannel<Note> closing = b.OpenChannel<Note>("test/closing");
        await TestNodes.WaitForChannelAsync(a, b, "test/closing");
        a.GetReadyConnection(b.Id)!.TryGetRemoteChannel("test/closing", out byte id);
        closing.Dispose();
        Session raw = a.GetReadyConnection(b.Id)!.Session;
        raw.TrySend(id, DeliveryMethod.ReliableOrdered, [0x90]);
        raw.TrySend(MeshChannels.LastNamed + 5, DeliveryMethod.ReliableOrdered, [0x90]);
        await TestNodes.WaitUntilAsync(() => b.Counters.DroppedUnknownChannel >= 2, "b to count two messages for unknown channels");
        await TestNodes.WaitUntilAsync(() => a.GetReadyConnection(b.Id)?.TryGetRemoteChannel("test/closing", out _) == false, "a to learn the channel closed");
        Assert.NotNull(b.GetReadyConnection(a.Id));
    }

    [Fact]
    public async Task Malformed_and_oversized_messages_are_dropped_and_counted_and_the_node_keeps_working()
    {
        await using var mesh = new TestNodes();
        MeshNode a = await mesh.StartAsync();
        MeshNode b = await mesh.StartAsync(a);
        using IChannel<Note> inbox = b.OpenChannel<Note>("test/robust");
        var good = new TaskCompletionSource<Note>(TaskCreationOptions.RunContinuationsAsynchronously);
        int handled = 0;
        using IDisposable handler = inbox.OnReceived((_, note, _) =>
        {
            Interlocked.Increment(ref handled);
            good.TrySetResult(note);
            return ValueTask.CompletedTask;
        });
        using IChannel<Note> outbox = a.OpenChannel<Note>("test/robust");
        await TestNodes.WaitForChannelAsync(a, b, "test/robust");
        a.GetReadyConnection(b.Id)!.TryGetRemoteChannel("test/robust", out byte id);
        Session raw = a.GetReadyConnection(b.Id)!.Session;

        var random = new Random(5);
        for (int i = 0; i < 200; i++)
        {
            byte[] junk = new byte[random.Next(1, 64)];
            random.NextBytes(junk);
            junk[0] = 0xc1; // never valid MessagePack, so every one is malformed
            raw.TrySend(id, DeliveryMethod.ReliableOrdered, junk);
        }

        raw.TrySend(id, DeliveryMethod.ReliableOrdered, [0xc0]); // nil: not a Note
        raw.TrySend(id, DeliveryMethod.ReliableOrdered, new byte[MeshLimits.MaxChannelMessageBytes + 1]);
        await TestNodes.WaitUntilAsync(() => b.Counters.DroppedMalformed >= 201 && b.Counters.DroppedTooLarge >= 1, "b to count the bad messages");

        MeshException tooLarge = await Assert.ThrowsAsync<MeshException>(() =>
            outbox.SendAsync(b.LocalId, new Note { Blob = new byte[MeshLimits.MaxChannelMessageBytes] }).AsTask());
        Assert.Equal(MeshError.MessageTooLarge, tooLarge.Error);

        await outbox.SendAsync(b.LocalId, new Note { Text = "still here" });
        Assert.Equal("still here", (await good.Task.WaitAsync(TestNodes.Timeout)).Text);
        Assert.Equal(1, Volatile.Read(ref handled));
    }

    [Fact]
    public async Task A_faulting_handler_is_counted_and_does_not_stop_the_channel()
    {
        await using var mesh = new TestNodes();
        MeshNode a = await mesh.StartAsync();
        MeshNode b = await mesh.StartAsync(a);
        using IChannel<Note> inbox = b.OpenChannel<Note>("test/faulty");
        var second = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using IDisposable handler = inbox.OnReceived((_, note, _) =>
        {
            if (note.Number == 1)
            {
                throw new InvalidOperationException("boom");
            }

            second.TrySetResult();
            return ValueTask.CompletedTask;
        });
        using IChannel<Note> outbox = a.OpenChannel<Note>("test/faulty");
        await TestNodes.WaitForChannelAsync(a, b, "test/faulty");

        await outbox.SendAsync(b.LocalId, new Note { Number = 1 });
        await outbox.SendAsync(b.LocalId, new Note { Number = 2 });
        await second.Task.WaitAsync(TestNodes.Timeout);
        Assert.Equal(1, b.Counters.HandlerFaults);
    }

    [Fact]
    public async Task Content_routing_finds_the_providers_of_a_key()
    {
        await using var mesh = new TestNodes();
        MeshNode seed = await mesh.StartAsync();
        var nodes = new List<MeshNode> { seed };
        for (int i = 0; i < 5; i++)
        {
            nodes.Add(await mesh.StartAsync(seed));
        }

        byte[] key = "some file hash"u8.ToArray();
        Assert.True(await nodes[1].ProvideAsync(key).WaitAsync(TestNodes.Timeout) > 0);
        Assert.True(await nodes[2].ProvideAsync(key).WaitAsync(TestNodes.Timeout) > 0);

        IReadOnlyList<PeerId> providers = await nodes[5].FindProvidersAsync(key).WaitAsync(TestNodes.Timeout);
        Assert.Equal(new[] { nodes[1].LocalId, nodes[2].LocalId }.Order(), providers.Order());
        Assert.Empty(await nodes[5].FindProvidersAsync("nobody has this"u8.ToArray()).WaitAsync(TestNodes.Timeout));
    }

    [Fact]
    public async Task The_identity_persists_in_the_data_directory_readable_by_the_owner_only()
    {
        await using var mesh = new TestNodes();
        MeshNode first = await mesh.StartAsync();
        NodeId id = first.Id;
        await mesh.StopAsync(first);

        MeshNode again = await mesh.StartAsync(dataDirectory: mesh.DataDirectory(0));
        Assert.Equal(id, again.Id);
        if (!OperatingSystem.IsWindows())
        {
            UnixFileMode mode = File.GetUnixFileMode(Path.Combine(mesh.DataDirectory(0), "identity.pem"));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, mode);
        }
    }

    [Fact]
    public async Task Shutdown_closes_sessions_with_a_reason_the_peer_sees()
    {
        await using var mesh = new TestNodes();
        MeshNode a = await mesh.StartAsync();
        MeshNode b = await mesh.StartAsync(a);
        var left = new TaskCompletionSource<PeerId>(TaskCreationOptions.RunContinuationsAsynchronously);
        b.PeerLeft += id => left.TrySetResult(id);
        Session session = b.GetReadyConnection(a.Id)!.Session;

        await mesh.StopAsync(a);

        Assert.Equal(a.LocalId, await left.Task.WaitAsync(TestNodes.Timeout));
        Assert.NotNull(session.CloseReason);
        Assert.True(session.CloseReason!.ByPeer);
        Assert.Equal("node shutting down", session.CloseReason.Reason);
        Assert.DoesNotContain(b.Connected, p => p.Id == a.LocalId);
    }

    [Fact]
    public async Task Lan_discovery_on_loopback_connects_nodes_with_no_bootstrap()
    {
        await using var mesh = new TestNodes();
        MeshNodeOptions Lan(MeshNodeOptions o) => o with
        {
            ListenEndPoint = new IPEndPoint(IPAddress.Loopback, MeshNodeOptions.DefaultPort),
            LanBeaconAddress = IPAddress.Loopback,
            LanBeaconInterval = TimeSpan.FromMilliseconds(200),
        };
        MeshNode a = await mesh.StartAsync(configure: Lan);
        MeshNode b = await mesh.StartAsync(configure: Lan);
        Assert.InRange(a.LocalEndPoint.Port, MeshNodeOptions.DefaultPort, MeshNodeOptions.DefaultPort + MeshNodeOptions.DiscoveryPortCount - 1);

        await TestNodes.WaitUntilAsync(() => a.Connected.Any(p => p.Id == b.LocalId) && b.Connected.Any(p => p.Id == a.LocalId), "the two nodes to find each other by beacon");
        Assert.True(a.Counters.LanPeersDiscovered + b.Counters.LanPeersDiscovered > 0);

        // Beacons never leave loopback.
        foreach (MeshNode node in mesh.Nodes)
        {
            Assert.All(node.Lan!.BeaconDestinations, d => Assert.True(IPAddress.IsLoopback(d.Address), $"beacon to {d}"));
            Assert.True(IPAddress.IsLoopback(node.LocalEndPoint.Address));
        }
    }
}
