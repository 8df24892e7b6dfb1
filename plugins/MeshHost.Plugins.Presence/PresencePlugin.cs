using MeshHost.Sdk;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MeshHost.Plugins.Presence;

/// <summary>
/// Presence: every node beats on <see cref="TopicName"/> every <see cref="PresenceOptions.Interval"/>,
/// and keeps a bounded table of the nodes it hears, each expiring after three missed beats. Pings go
/// over the request channel <see cref="PingChannelName"/>. The table is served at
/// <c>GET /v1/plugins/meshhost.presence/online</c> and printed by <c>meshhost presence</c>.
/// </summary>
public sealed partial class PresencePlugin : IMeshPlugin, IControlApiContributor, ICliContributor
{
    /// <summary>The plugin's id, as in plugin.json.</summary>
    public const string Id = "meshhost.presence";

    /// <summary>The topic heartbeats are published on; the version is in the name so a v2 can run beside it.</summary>
    public const string TopicName = "meshhost.presence/v1";

    /// <summary>The request channel that answers pings.</summary>
    public const string PingChannelName = "meshhost.presence/ping";

    private readonly CancellationTokenSource _stopping = new();
    private IPluginContext? _context;
    private PresenceOptions _options = new();
    private PresenceTable? _table;
    private ITopic<PresenceHeartbeat>? _topic;
    private IDisposable? _subscription;
    private IRequestChannel<PresencePing, PresencePong>? _ping;
    private Task _beating = Task.CompletedTask;
    private ulong _incarnation;

    /// <inheritdoc/>
    public string Name => "Presence";

    /// <inheritdoc/>
    public Version Version { get; } = new(1, 0, 0);

    /// <summary>This node's settings; valid once started.</summary>
    public PresenceOptions Options => _options;

    /// <summary>The peers heard within their last three beats, ordered by id; empty before start.</summary>
    public IReadOnlyList<PresenceEntry> Online => _table?.Snapshot() ?? [];

    /// <summary>What happened to the heartbeats received so far.</summary>
    public PresenceCounters Counters => _table?.Counters ?? new PresenceCounters(0, 0, 0, 0, 0);

    /// <inheritdoc/>
    public void ConfigureServices(IServiceCollection services, IConfiguration configuration) =>
        services.AddSingleton(PresenceOptions.From(configuration));

    /// <inheritdoc/>
    public Task StartAsync(IPluginContext context, CancellationToken cancellationToken)
    {
        _context = context;
        _options = context.Services.GetRequiredService<PresenceOptions>();
        _table = new PresenceTable(_options.MaxPeers, context.Time);
        _incarnation = (ulong)Random.Shared.NextInt64();

        _topic = context.OpenTopic<PresenceHeartbeat>(TopicName);
        _subscription = _topic.Subscribe(OnHeartbeatAsync);
        _ping = context.OpenRequestChannel<PresencePing, PresencePong>(PingChannelName);
        _ping.Handle((_, ping, _) => ValueTask.FromResult(new PresencePong { Nonce = ping.Nonce, Name = _options.Name }));

        var stopping = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token, context.Stopping);
        _beating = BeatAsync(context, stopping);
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _beating.WaitAsync(cancellationToken).ConfigureAwait(false);
        _subscription?.Dispose();
        _topic?.Dispose();
        _ping?.Dispose();
        _stopping.Dispose();
    }

    /// <summary>
    /// Asks <paramref name="peer"/> for a pong and measures the round trip on the node's clock.
    /// </summary>
    /// <exception cref="InvalidOperationException">The plugin is not started.</exception>
    /// <exception cref="TimeoutException">No answer within <paramref name="timeout"/>.</exception>
    /// <exception cref="MeshException">The peer is unreachable or does not run this plugin (<see cref="MeshError.ChannelNotOpenedByPeer"/>).</exception>
    public async Task<TimeSpan> PingAsync(PeerId peer, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        IRequestChannel<PresencePing, PresencePong> channel = _ping ?? throw new InvalidOperationException("The presence plugin is not started.");
        TimeProvider time = _context!.Time;
        ulong nonce = (ulong)Random.Shared.NextInt64();
        long started = time.GetTimestamp();
        PresencePong pong = await channel.RequestAsync(peer, new PresencePing { Nonce = nonce }, timeout, cancellationToken).ConfigureAwait(false);
        if (pong.Nonce != nonce)
        {
            throw new MeshException(MeshError.RemoteError, $"Peer {peer.ToShortString()} answered the ping with another nonce.");
        }

        return time.GetElapsedTime(started);
    }

    /// <inheritdoc/>
    public void MapEndpoints(IControlApiBuilder api)
    {
        api.Map("GET", "online", (_, _) => Task.FromResult(ControlApiResponse.Json(PresenceJson.Online(_context!.LocalId, _options, Online, Counters))));
        api.Map("POST", "ping/{peer}", PingEndpointAsync);
    }

    /// <inheritdoc/>
    public void AddCommands(ICliBuilder cli) => cli.AddCommand(PresenceCommand.Create());

    private ValueTask OnHeartbeatAsync(PeerId from, PresenceHeartbeat beat, CancellationToken cancellationToken)
    {
        if (_table!.Record(from, beat) == HeartbeatOutcome.Rejected)
        {
            LogRejected(_context!.Logger, from.ToShortString());
        }

        return ValueTask.CompletedTask;
    }

    private async Task BeatAsync(IPluginContext context, CancellationTokenSource stopping)
    {
        CancellationToken cancellationToken = stopping.Token;
        try
        {
            using var timer = new PeriodicTimer(_options.Interval, context.Time);
            ulong sequence = 0;
            do
            {
                _table!.Sweep();
                var beat = new PresenceHeartbeat
                {
                    Incarnation = _incarnation,
                    Sequence = sequence++,
                    IntervalMilliseconds = (int)_options.Interval.TotalMilliseconds,
                    Name = _options.Name,
                };
                try
                {
                    await _topic!.PublishAsync(beat, cancellationToken).ConfigureAwait(false);
                }
                catch (MeshException ex)
                {
                    LogBeatFailed(context.Logger, ex.Error, ex);
                }
            }
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
        catch (ObjectDisposedException)
        {
            // The host released the plugin's timers and topic: it is stopping.
        }
        finally
        {
            stopping.Dispose();
        }
    }

    private async Task<ControlApiResponse> PingEndpointAsync(ControlApiRequest request, CancellationToken cancellationToken)
    {
        string text = request.RouteValues.GetValueOrDefault("peer", "");
        if (!TryResolvePeer(text, out PeerId peer))
        {
            return ControlApiResponse.Error(400, "bad-peer", $"'{text}' is neither a peer id (64 hex digits) nor the start (8 or more hex digits) of exactly one online peer's id.");
        }

        try
        {
            TimeSpan rtt = await PingAsync(peer, TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
            return ControlApiResponse.Json(PresenceJson.Pong(peer, rtt));
        }
        catch (TimeoutException)
        {
            return ControlApiResponse.Error(504, "timeout", $"Peer {peer.ToShortString()} did not answer within 10 s.");
        }
        catch (MeshException ex)
        {
            return ControlApiResponse.Error(502, "mesh-error", $"Ping to {peer.ToShortString()} failed ({ex.Error}): {ex.Message}");
        }
    }

    /// <summary>A full id, or the start of exactly one online peer's id (what the table prints).</summary>
    private bool TryResolvePeer(string text, out PeerId peer)
    {
        if (PeerId.TryParse(text, out peer))
        {
            return true;
        }

        if (text.Length < 8)
        {
            return false;
        }

        int matches = 0;
        foreach (PresenceEntry entry in Online)
        {
            if (entry.Peer.ToString().StartsWith(text, StringComparison.OrdinalIgnoreCase))
            {
                peer = entry.Peer;
                matches++;
            }
        }

        return matches == 1;
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Dropped a presence heartbeat from {Peer}: outside the limits")]
    private static partial void LogRejected(ILogger logger, string peer);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Could not publish the presence heartbeat ({Error})")]
    private static partial void LogBeatFailed(ILogger logger, MeshError error, Exception exception);
}
