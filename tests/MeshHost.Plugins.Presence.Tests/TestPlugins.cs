using MeshHost.MessagePack;
using MeshHost.Sdk;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace MeshHost.Plugins.Presence.Tests;

/// <summary>A message the test plugins and raw test peers exchange.</summary>
[MessagePackObject]
public sealed partial record Poke
{
    [Key(0)] public int Number { get; init; }
}

/// <summary>Decodes as MessagePack but not as a <see cref="PresenceHeartbeat"/> (a string where an integer belongs).</summary>
[MessagePackObject]
public sealed partial record NotAHeartbeat
{
    [Key(0)] public string Incarnation { get; init; } = "";
}

/// <summary>A plugin whose channel handler always throws: what fault isolation must contain.</summary>
public sealed class ThrowingPlugin : IMeshPlugin
{
    public const string Id = "test.throwing";
    public const string ChannelName = "test.throwing/poke";

    private int _received;

    public string Name => "Throwing";

    public Version Version { get; } = new(1, 0, 0);

    public int Received => Volatile.Read(ref _received);

    public void ConfigureServices(IServiceCollection services, IConfiguration configuration)
    {
    }

    public Task StartAsync(IPluginContext context, CancellationToken cancellationToken)
    {
        context.OpenChannel<Poke>(ChannelName).OnReceived((_, poke, _) =>
        {
            Interlocked.Increment(ref _received);
            throw new InvalidOperationException($"poke {poke.Number} is not welcome");
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Counts the ticks of a periodic timer on the plugin's clock, and forgets to dispose anything.</summary>
public sealed class TickingPlugin : IMeshPlugin
{
    public const string Id = "test.ticking";

    private int _ticks;
    private Task _loop = Task.CompletedTask;

    public string Name => "Ticking";

    public Version Version { get; } = new(1, 0, 0);

    public int Ticks => Volatile.Read(ref _ticks);

    public void ConfigureServices(IServiceCollection services, IConfiguration configuration)
    {
    }

    public Task StartAsync(IPluginContext context, CancellationToken cancellationToken)
    {
        var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), context.Time);
        _loop = TickAsync(timer, context.Stopping);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await _loop.WaitAsync(cancellationToken).ConfigureAwait(false);

    private async Task TickAsync(PeriodicTimer timer, CancellationToken stopping)
    {
        try
        {
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
            {
                Interlocked.Increment(ref _ticks);
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }
}
