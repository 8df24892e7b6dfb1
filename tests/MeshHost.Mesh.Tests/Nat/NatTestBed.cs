using System.Net;
using MeshHost.Mesh.Nat;
using MeshHost.Mesh.Tests.Nodes;
using MeshHost.Transport.Network;
using MeshHost.Transport.Testing;

namespace MeshHost.Mesh.Tests.Nat;

/// <summary>
/// Mesh nodes on an in-memory internet with simulated NATs and a manual clock: public nodes in
/// 198.51.100.0/24, NAT routers in 203.0.113.0/24, homes in 10.0.n.0/24.
/// </summary>
internal sealed class NatTestBed : IAsyncDisposable
{
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(20);
    private readonly TestNodes _mesh = new();
    private int _homes;

    public NatTestBed(int seed)
    {
        Network = new InMemoryNetwork(Time, seed);
    }

    public ManualTimeProvider Time { get; } = new();

    public InMemoryNetwork Network { get; }

    public Func<MeshNodeOptions, MeshNodeOptions>? Configure { get; set; }

    /// <summary>Every node's log lines, prefixed by its address: shown when a scenario fails.</summary>
    public ListLogger Log { get; } = new();

    public Task<MeshNode> PublicAsync(int host, RelayOptions? relay = null, params MeshNode[] seeds)
    {
        var endPoint = new IPEndPoint(IPAddress.Parse($"198.51.100.{host}"), 47800);
        return StartAsync(Network.CreateSocket(endPoint), endPoint.Address, relay, seeds, () => Network.CreateSocket(new IPEndPoint(endPoint.Address, 0)));
    }

    public InMemoryNat Nat(NatMappingBehavior mapping = NatMappingBehavior.EndpointIndependent, NatFilteringBehavior filtering = NatFilteringBehavior.AddressAndPortDependent) =>
        Network.AddNat(new InMemoryNatOptions { PublicAddress = IPAddress.Parse($"203.0.113.{++_homes}"), Mapping = mapping, Filtering = filtering });

    public Task<MeshNode> BehindAsync(InMemoryNat nat, int host, params MeshNode[] seeds)
    {
        byte[] natBytes = nat.Options.PublicAddress.GetAddressBytes();
        var endPoint = new IPEndPoint(IPAddress.Parse($"10.0.{natBytes[3]}.{host}"), 47800);
        return StartAsync(nat.CreateSocket(endPoint), endPoint.Address, null, seeds, () => nat.CreateSocket(new IPEndPoint(endPoint.Address, 0)));
    }

    /// <summary>Moves the clock in small steps, letting continuations run, until the condition holds.</summary>
    public async Task PumpUntilAsync(Func<bool> condition, string what, TimeSpan? virtualLimit = null)
    {
        TimeSpan limit = virtualLimit ?? TimeSpan.FromSeconds(60);
        TimeSpan elapsed = TimeSpan.Zero;
        while (!condition())
        {
            if (elapsed > limit)
            {
                Assert.Fail($"Not reached within {limit} of virtual time: {what}");
            }

            Time.Advance(Step);
            elapsed += Step;
            await Task.Delay(1);
        }
    }

    public async Task<T> PumpAsync<T>(Task<T> task, TimeSpan? virtualLimit = null)
    {
        await PumpUntilAsync(() => task.IsCompleted, "the operation to complete", virtualLimit);
        return await task;
    }

    public async Task PumpAsync(Task task, TimeSpan? virtualLimit = null)
    {
        await PumpUntilAsync(() => task.IsCompleted, "the operation to complete", virtualLimit);
        await task;
    }

    /// <summary>Runs the clock for <paramref name="duration"/> of virtual time.</summary>
    public Task RunForAsync(TimeSpan duration)
    {
        TimeSpan end = Time.GetElapsedTime(0) + duration;
        return PumpUntilAsync(() => Time.GetElapsedTime(0) >= end, "time to pass", duration + duration);
    }

    public ValueTask DisposeAsync() => _mesh.DisposeAsync();

    private async Task<MeshNode> StartAsync(InMemoryDatagramSocket socket, IPAddress local, RelayOptions? relay, MeshNode[] seeds, Func<IDatagramSocket> dialBackSocket)
    {
        Task<MeshNode> start = _mesh.StartAsync(null, o =>
        {
            MeshNodeOptions options = o with
            {
                TimeProvider = Time,
                Bootstrap = [.. seeds.Select(s => s.LocalEndPoint)],
                LocalAddresses = [local],
                TargetConnections = 0,
                IdleConnectionTimeout = TimeSpan.FromDays(1),
                MaintenanceInterval = TimeSpan.FromSeconds(2),
                Relay = relay,
                DialBackSocket = dialBackSocket,
            };
            return Configure?.Invoke(options) ?? options;
        }, socket, loggerFactory: new PrefixedFactory(Log, $"[{socket.LocalEndPoint}]"));
        return await PumpAsync(start);
    }

    private sealed class PrefixedFactory(ListLogger log, string prefix) : Microsoft.Extensions.Logging.ILoggerFactory
    {
        public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName)
        {
            lock (log)
            {
                log.Prefix = prefix;
                return log.CreateLogger(categoryName);
            }
        }

        public void AddProvider(Microsoft.Extensions.Logging.ILoggerProvider provider)
        {
        }

        public void Dispose()
        {
        }
    }
}
