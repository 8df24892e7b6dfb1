using System.Net;
using MeshHost.Control;
using MeshHost.Mesh;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MeshHost.Hosting;

/// <summary>
/// Once the node and the control API both run, writes <c>control.json</c> (so the CLI can find the
/// node) and tells the user how to use it; removes the file as soon as shutdown begins.
/// </summary>
internal sealed class ControlFilePublisher : IHostedService
{
    private readonly IHostApplicationLifetime _lifetime;
    private readonly IServer _server;
    private readonly MeshNodeService _node;
    private readonly CliConsole _console;
    private readonly ILogger<ControlFilePublisher> _logger;
    private readonly List<CancellationTokenRegistration> _registrations = [];

    public ControlFilePublisher(IHostApplicationLifetime lifetime, IServer server, MeshNodeService node, CliConsole console, ILogger<ControlFilePublisher> logger)
    {
        _lifetime = lifetime;
        _server = server;
        _node = node;
        _console = console;
        _logger = logger;
    }

    private string DataDirectory => _node.Options.DataDirectory;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _registrations.Add(_lifetime.ApplicationStarted.Register(Publish));
        _registrations.Add(_lifetime.ApplicationStopping.Register(Withdraw));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Withdraw();
        foreach (CancellationTokenRegistration registration in _registrations)
        {
            registration.Dispose();
        }

        return Task.CompletedTask;
    }

    private void Publish()
    {
        int port = ControlApi.BoundPort(_server);
        try
        {
            ControlFileStore.Write(DataDirectory, new ControlFile(port, Environment.ProcessId));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A node the CLI cannot find is a node nobody can manage: stop rather than run unseen.
            HostLog.ControlFileWriteFailed(_logger, ControlFileStore.PathIn(DataDirectory), e);
            _lifetime.StopApplication();
            return;
        }

        HostLog.ControlApiListening(_logger, $"127.0.0.1:{port}", ControlFileStore.PathIn(DataDirectory));
        WriteBanner(port);
    }

    private void Withdraw()
    {
        try
        {
            if (ControlFileStore.DeleteIfOwned(DataDirectory))
            {
                HostLog.ControlFileRemoved(_logger, ControlFileStore.PathIn(DataDirectory));
            }
        }
        catch (IOException e)
        {
            HostLog.ControlFileRemoveFailed(_logger, ControlFileStore.PathIn(DataDirectory), e);
        }
    }

    private void WriteBanner(int controlPort)
    {
        MeshNode node = _node.Node;
        IPEndPoint local = node.LocalEndPoint;
        IPAddress? beacon = _node.Options.LanBeaconAddress;
        TextWriter o = _console.Out;
        o.WriteLine($"Node {node.Id}");
        o.WriteLine($"  listening on   {local} (UDP)");
        o.WriteLine(beacon is null
            ? "  LAN discovery  off"
            : IPAddress.IsLoopback(beacon)
                ? $"  LAN discovery  beacons to {beacon} (this host only; --lan-beacon 255.255.255.255 to search the LAN)"
                : $"  LAN discovery  beacons to {beacon}");
        o.WriteLine($"  control API    127.0.0.1:{controlPort} (token in {ControlToken.PathIn(DataDirectory)})");
        o.WriteLine($"  data directory {DataDirectory}");
        o.WriteLine();
        o.WriteLine("To join this node from another terminal on this machine:");
        o.WriteLine($"  meshhost run --bootstrap {JoinAddress(local)} --data-dir other");
        o.WriteLine("Press Ctrl+C to stop.");
        o.Flush();
    }

    /// <summary>The address another process on this host reaches the node at: loopback when it listens on every interface.</summary>
    internal static string JoinAddress(IPEndPoint local)
    {
        IPAddress address = local.Address.Equals(IPAddress.Any) ? IPAddress.Loopback
            : local.Address.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback
            : local.Address;
        return new IPEndPoint(address, local.Port).ToString();
    }
}
