using System.Collections.Concurrent;
using MeshHost.Plugins.Shared;
using MeshHost.Sdk;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace MeshHost.Plugins.Chat;

/// <summary>
/// Chat (docs/chat.md): rooms on topics, direct messages with delivery receipts and an outbox,
/// messages signed by their authors and ordered by (HLC, author, id), and history kept in SQLite and
/// synced between members by offer/want exchanges.
/// </summary>
public sealed partial class ChatPlugin : IMeshPlugin, IControlApiContributor, ICliContributor
{
    /// <summary>The plugin's id, as in plugin.json.</summary>
    public const string Id = "meshhost.chat";

    /// <summary>The request channel history sync runs on.</summary>
    public const string SyncChannelName = "meshhost.chat/sync";

    /// <summary>The request channel direct messages are delivered and acknowledged on.</summary>
    public const string DirectChannelName = "meshhost.chat/dm";

    /// <summary>How often background work (beacons, syncs, retries) is checked.</summary>
    internal static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(250);

    /// <summary>How long one sync or delivery exchange may take.</summary>
    internal static readonly TimeSpan ExchangeTimeout = TimeSpan.FromSeconds(5);

    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _sync = new();
    private readonly Dictionary<string, ChatRoom> _rooms = new(StringComparer.Ordinal);
    private readonly HashSet<PeerId> _blocked = [];
    private readonly ConcurrentDictionary<PeerId, RetryState> _retries = new();
    private readonly ConcurrentQueue<PeerId> _joined = new();
    private IPluginContext? _context;
    private ChatOptions _options = new();
    private ChatStore? _store;
    private BackgroundWork? _background;
    private HybridLogicalClock? _clock;
    private RateLimiter? _messageLimiter;
    private RateLimiter? _syncLimiter;
    private IRequestChannel<SyncRequest, SyncResponse>? _syncChannel;
    private IRequestChannel<ChatMessage, DirectAck>? _directChannel;
    private Task _loop = Task.CompletedTask;
    private int _outboxCount;

    /// <summary>Raised once for each new verified message stored (received or sent here), on a worker thread.</summary>
    public event Action<ChatEntry>? MessageReceived;

    /// <inheritdoc/>
    public string Name => "Chat";

    /// <inheritdoc/>
    public Version Version { get; } = new(1, 0, 0);

    /// <summary>This node's settings; valid once started.</summary>
    public ChatOptions Options => _options;

    /// <summary>What happened to received messages.</summary>
    public ChatCounters Counters { get; } = new();

    /// <summary>Direct messages waiting in the outbox for their recipients.</summary>
    public int PendingDirectMessages => Volatile.Read(ref _outboxCount);

    /// <summary>The rooms this node is in, by name.</summary>
    public IReadOnlyList<string> Rooms
    {
        get
        {
            lock (_sync)
            {
                return [.. _rooms.Keys.Order(StringComparer.Ordinal)];
            }
        }
    }

    /// <summary>The input the interactive CLI mode reads (tests set it; the console otherwise).</summary>
    internal TextReader? CommandInput { get; set; }

    /// <summary>The clock the interactive CLI mode polls with (tests set it; the system clock otherwise).</summary>
    internal TimeProvider? CommandTime { get; set; }

    private IPluginContext Context => _context ?? throw new InvalidOperationException("The chat plugin is not started.");

    private ChatStore Store => _store ?? throw new InvalidOperationException("The chat plugin is not started.");

    /// <inheritdoc/>
    public void ConfigureServices(IServiceCollection services, IConfiguration configuration) =>
        services.AddSingleton(ChatOptions.From(configuration));

    /// <inheritdoc/>
    public Task StartAsync(IPluginContext context, CancellationToken cancellationToken)
    {
        _context = context;
        _background = new BackgroundWork(ex => ChatLog.BackgroundFailed(context.Logger, ex));
        _options = context.Services.GetRequiredService<ChatOptions>();
        _clock = new HybridLogicalClock(context.Time);
        _messageLimiter = new RateLimiter(context.Time, _options.MessagesPerSecond, _options.MessagesPerSecond * 5);
        _syncLimiter = new RateLimiter(context.Time, 20, 100);
        _store = new ChatStore(Path.Combine(context.DataDirectory, "chat.db"), _options.MaxMessagesPerRoom, _options.MaxOutbox);
        foreach (PeerId peer in _store.Blocked())
        {
            _blocked.Add(peer);
        }

        _outboxCount = _store.Outbox().Count;
        _syncChannel = context.OpenRequestChannel<SyncRequest, SyncResponse>(SyncChannelName);
        _syncChannel.Handle(OnSyncRequestAsync);
        _directChannel = context.OpenRequestChannel<ChatMessage, DirectAck>(DirectChannelName);
        _directChannel.Handle(OnDirectMessageAsync);
        context.Peers.PeerJoined += OnPeerJoined;
        foreach (string room in _store.Rooms())
        {
            OpenRoom(room);
        }

        var stopping = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token, context.Stopping);
        _loop = RunAsync(stopping);
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_context is { } context)
        {
            context.Peers.PeerJoined -= OnPeerJoined;
        }

        await _loop.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (_background is { } background)
        {
            await background.WhenAll().WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        lock (_sync)
        {
            foreach (ChatRoom room in _rooms.Values)
            {
                room.Dispose();
            }

            _rooms.Clear();
        }

        _syncChannel?.Dispose();
        _directChannel?.Dispose();
        if (_store is { } store && !store.Dispose())
        {
            ChatLog.NotUnloadable(Context.Logger);
        }

        _stopping.Dispose();
    }

    /// <summary>Joins <paramref name="room"/> (remembered across restarts); joining twice is harmless.</summary>
    /// <exception cref="ArgumentException">The name is not 1 to 64 of a-z, 0-9, '-', '_', '.'.</exception>
    /// <exception cref="InvalidOperationException">This node is already in <see cref="ChatLimits.MaxRooms"/> rooms.</exception>
    public void Join(string room)
    {
        if (!ChatLimits.IsValidRoom(room))
        {
            throw new ArgumentException($"'{room}' is not a room name: 1 to {ChatLimits.MaxRoomLength} of a-z, 0-9, '-', '_', '.'.", nameof(room));
        }

        lock (_sync)
        {
            if (_rooms.ContainsKey(room))
            {
                return;
            }

            if (_rooms.Count >= ChatLimits.MaxRooms)
            {
                throw new InvalidOperationException($"This node is already in {ChatLimits.MaxRooms} rooms; leave one first.");
            }
        }

        Store.AddRoom(room);
        OpenRoom(room);
    }

    /// <summary>Leaves <paramref name="room"/>; its history stays until it ages out.</summary>
    /// <returns>False when this node was not in the room.</returns>
    public bool Leave(string room)
    {
        ChatRoom? left;
        lock (_sync)
        {
            _rooms.Remove(room, out left);
        }

        Store.RemoveRoom(room);
        left?.Dispose();
        return left is not null;
    }

    /// <summary>Signs <paramref name="text"/>, stores it and publishes it to <paramref name="room"/>.</summary>
    /// <exception cref="InvalidOperationException">This node is not in the room.</exception>
    /// <exception cref="ArgumentException">The text is empty or larger than <see cref="ChatOptions.MaxTextBytes"/>.</exception>
    public async Task<ChatEntry> PostAsync(string room, string text, CancellationToken cancellationToken = default)
    {
        ChatRoom target = FindRoom(room) ?? throw new InvalidOperationException($"This node is not in room '{room}'; join it first.");
        CheckText(text);
        ChatMessage message = ChatCodec.Create(Context.Identity, room, _clock!.Next(), _options.Nick, text, recipient: null);
        ChatEntry entry = StoreOwn(room, message);
        try
        {
            await target.Topic.PublishAsync(new RoomFrame { Message = message, Room = room }, cancellationToken).ConfigureAwait(false);
        }
        catch (MeshException ex)
        {
            // Stored: members get it by sync.
            ChatLog.PublishFailed(Context.Logger, room, ex.Error);
        }

        return entry;
    }

    /// <summary>The last <paramref name="limit"/> messages of a room, or of a DM conversation (<c>dm:</c> + peer id), in the shared order.</summary>
    public IReadOnlyList<ChatEntry> History(string conversation, int limit = 100) =>
        Store.History(conversation, Math.Clamp(limit, 1, _options.MaxMessagesPerRoom)).ConvertAll(ChatEntry.From);

    /// <summary>Messages stored after <paramref name="sequence"/> in a conversation, in arrival order.</summary>
    public IReadOnlyList<ChatEntry> Since(string conversation, long sequence, int limit = 100) =>
        Store.Since(conversation, sequence, Math.Clamp(limit, 1, 1000)).ConvertAll(ChatEntry.From);

    /// <summary>The members of <paramref name="room"/> heard from recently (beacons, posts, syncs), excluding this node.</summary>
    public IReadOnlyList<ChatMember> Members(string room) =>
        FindRoom(room)?.Members(Context.Time, 3 * _options.SyncInterval) ?? [];

    /// <summary>Blocks <paramref name="peer"/>: its messages are dropped from now on, its DMs refused (persisted).</summary>
    public void Block(PeerId peer)
    {
        lock (_sync)
        {
            _blocked.Add(peer);
        }

        Store.Block(peer);
    }

    /// <summary>Unblocks <paramref name="peer"/>.</summary>
    public void Unblock(PeerId peer)
    {
        lock (_sync)
        {
            _blocked.Remove(peer);
        }

        Store.Unblock(peer);
    }

    /// <summary>The blocked peers.</summary>
    public IReadOnlyList<PeerId> Blocked
    {
        get
        {
            lock (_sync)
            {
                return [.. _blocked];
            }
        }
    }

    private bool IsBlocked(PeerId peer)
    {
        lock (_sync)
        {
            return _blocked.Contains(peer);
        }
    }

    private ChatRoom? FindRoom(string room)
    {
        lock (_sync)
        {
            return _rooms.GetValueOrDefault(room);
        }
    }

    private void OpenRoom(string room)
    {
        var opened = new ChatRoom(room, Context.OpenTopic<RoomFrame>(ChatRoom.TopicName(room)));
        opened.Subscribe((from, frame, ct) => OnRoomFrameAsync(opened, from, frame));
        lock (_sync)
        {
            if (!_rooms.TryAdd(room, opened))
            {
                opened.Dispose();
            }
        }
    }

    private void CheckText(string text)
    {
        if (string.IsNullOrEmpty(text))
        {
            throw new ArgumentException("A message needs some text.", nameof(text));
        }

        if (System.Text.Encoding.UTF8.GetByteCount(text) > _options.MaxTextBytes)
        {
            throw new ArgumentException($"The text is larger than {_options.MaxTextBytes} UTF-8 bytes.", nameof(text));
        }
    }

    private ChatEntry StoreOwn(string conversation, ChatMessage message)
    {
        Store.TryAdd(conversation, message, Context.LocalId, 0, out long sequence);
        var entry = ChatEntry.From(sequence, conversation, message);
        MessageReceived?.Invoke(entry);
        return entry;
    }

    /// <summary>
    /// Verifies and stores a message that arrived by any path. Counts and drops anything bad.
    /// </summary>
    /// <returns>True when it was new and stored.</returns>
    private bool Accept(string conversation, ChatMessage message, PeerId relayedBy)
    {
        ulong maxHlc = HybridLogicalClock.FromTime(Context.Time.GetUtcNow() + ChatLimits.MaxClockSkew);
        MessageVerdict verdict = ChatCodec.Verify(Context.Identity, message, _options, maxHlc);
        if (verdict != MessageVerdict.Valid)
        {
            if (verdict == MessageVerdict.BadSignature)
            {
                Counters.CountForged();
            }
            else
            {
                Counters.CountInvalid();
            }

            ChatLog.Dropped(Context.Logger, relayedBy.ToShortString(), verdict.ToString());
            return false;
        }

        PeerId author = ChatCodec.AuthorId(message);
        if (IsBlocked(author))
        {
            Counters.CountBlocked();
            return false;
        }

        switch (Store.TryAdd(conversation, message, author, MinHlc(), out long sequence))
        {
            case StoreOutcome.Added:
                _clock!.Observe(message.Hlc);
                Counters.CountAccepted();
                MessageReceived?.Invoke(ChatEntry.From(sequence, conversation, message));
                return true;
            case StoreOutcome.Duplicate:
                Counters.CountDuplicate();
                return false;
            default:
                Counters.CountExpired();
                return false;
        }
    }

    private ValueTask OnRoomFrameAsync(ChatRoom room, PeerId from, RoomFrame frame)
    {
        if (!_messageLimiter!.TryTake(from))
        {
            Counters.CountRateLimited();
            return ValueTask.CompletedTask;
        }

        room.Heard(from, Context.Time);
        if (frame.Message is { } message)
        {
            if (message.Room != room.Name)
            {
                Counters.CountInvalid();
                return ValueTask.CompletedTask;
            }

            Accept(room.Name, message, from);
        }

        return ValueTask.CompletedTask;
    }

    private void OnPeerJoined(PeerId peer)
    {
        // Quick: the network thread raised it. The loop retries its DMs and syncs with it next tick.
        _retries.TryRemove(peer, out _);
        if (_joined.Count < 1024)
        {
            _joined.Enqueue(peer);
        }
    }

    /// <summary>Runs <paramref name="work"/> in the background, tracked so the stop can wait for it.</summary>
    private void Spawn(Func<CancellationToken, Task> work, CancellationToken cancellationToken) => _background!.Spawn(work, cancellationToken);

    private Task RunAsync(CancellationTokenSource stopping)
    {
        long lastRound = long.MinValue;
        return _background!.RunEveryAsync(Tick, Context.Time, stopping, async cancellationToken =>
        {
            var peersBack = new HashSet<PeerId>();
            while (_joined.TryDequeue(out PeerId peer))
            {
                peersBack.Add(peer);
            }

            bool round = lastRound == long.MinValue || Context.Time.GetElapsedTime(lastRound) >= _options.SyncInterval;
            if (round)
            {
                lastRound = Context.Time.GetTimestamp();
                Store.PruneOlderThan(MinHlc());
            }

            foreach (ChatRoom room in SnapshotRooms())
            {
                if (round)
                {
                    await BeaconAsync(room, cancellationToken).ConfigureAwait(false);
                    if (room.PickMember(Context.Time, 3 * _options.SyncInterval) is { } member)
                    {
                        StartSync(room.Name, member, cancellationToken);
                    }
                }

                foreach (PeerId peer in peersBack)
                {
                    if (room.Knows(peer))
                    {
                        StartSync(room.Name, peer, cancellationToken);
                    }
                }
            }

            if (PendingDirectMessages > 0)
            {
                DeliverDue(cancellationToken);
            }
        });
    }

    private ulong MinHlc()
    {
        DateTimeOffset now = Context.Time.GetUtcNow();
        return now - DateTimeOffset.UnixEpoch > _options.MaxAge ? HybridLogicalClock.FromTime(now - _options.MaxAge) : 0;
    }

    private List<ChatRoom> SnapshotRooms()
    {
        lock (_sync)
        {
            return [.. _rooms.Values];
        }
    }

    private async Task BeaconAsync(ChatRoom room, CancellationToken cancellationToken)
    {
        try
        {
            await room.Topic.PublishAsync(new RoomFrame { Room = room.Name }, cancellationToken).ConfigureAwait(false);
        }
        catch (MeshException ex)
        {
            ChatLog.PublishFailed(Context.Logger, room.Name, ex.Error);
        }
        catch (ObjectDisposedException)
        {
            // Left meanwhile.
        }
    }
}
