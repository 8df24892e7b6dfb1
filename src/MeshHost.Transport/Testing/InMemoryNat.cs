using System.Net;
using System.Net.Sockets;

namespace MeshHost.Transport.Testing;

/// <summary>How a simulated NAT picks the external port of outgoing traffic (RFC 4787 mapping behaviour).</summary>
public enum NatMappingBehavior
{
    /// <summary>One external endpoint per internal endpoint, whatever the destination (full, restricted and port-restricted cones; Linux masquerade).</summary>
    EndpointIndependent,

    /// <summary>A new external port per destination endpoint (symmetric; masquerade with random/fully-random ports).</summary>
    AddressAndPortDependent,
}

/// <summary>Which inbound datagrams a simulated NAT lets through to a mapping (RFC 4787 filtering behaviour).</summary>
public enum NatFilteringBehavior
{
    /// <summary>From anyone, once the mapping exists (full cone).</summary>
    EndpointIndependent,

    /// <summary>Only from IP addresses the inside has sent to through the mapping (restricted cone).</summary>
    AddressDependent,

    /// <summary>Only from the exact endpoints the inside has sent to (port-restricted cone; a home router that accepts only established flows).</summary>
    AddressAndPortDependent,
}

/// <summary>The behaviour of a simulated NAT.</summary>
public sealed record InMemoryNatOptions
{
    /// <summary>The NAT's public address: what outside sockets see as the source.</summary>
    public required IPAddress PublicAddress { get; init; }

    /// <summary>How external ports are chosen.</summary>
    public NatMappingBehavior Mapping { get; init; } = NatMappingBehavior.EndpointIndependent;

    /// <summary>Which inbound datagrams pass.</summary>
    public NatFilteringBehavior Filtering { get; init; } = NatFilteringBehavior.AddressAndPortDependent;

    /// <summary>Use the internal port as the external one when it is free (Linux masquerade without random).</summary>
    public bool PreservePort { get; init; } = true;

    /// <summary>
    /// A mapping with no traffic either way for this long is forgotten, and so is each flow through
    /// it (common routers: 30 s to a few minutes for UDP).
    /// </summary>
    public TimeSpan MappingTimeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// A NAT inside an <see cref="InMemoryNetwork"/>: sockets created behind it reach the rest of the
/// network with their source translated to <see cref="InMemoryNatOptions.PublicAddress"/>, and
/// inbound datagrams reach them only through a live mapping that the filtering allows. Sockets
/// behind one NAT reach each other directly (one LAN). No hairpinning. Thread-safe: all state
/// is guarded by the network's lock.
/// </summary>
public sealed class InMemoryNat
{
    private const int FirstExternalPort = 20_000;

    private readonly InMemoryNetwork _network;
    private readonly Dictionary<(EndPointKey Inside, EndPointKey Destination), Mapping> _byFlow = [];
    private readonly Dictionary<EndPointKey, Mapping> _byInside = [];
    private readonly Dictionary<ushort, Mapping> _byPort = [];
    private readonly EndPointKey _publicKey;
    private int _nextPort = FirstExternalPort;

    internal InMemoryNat(InMemoryNetwork network, InMemoryNatOptions options)
    {
        _network = network;
        Options = options;
        _publicKey = EndPointKey.From(new IPEndPoint(options.PublicAddress, 0));
    }

    /// <summary>The NAT's behaviour.</summary>
    public InMemoryNatOptions Options { get; private set; }

    /// <summary>Datagrams dropped at the NAT (no mapping, filtered, or expired).</summary>
    public long Dropped { get; private set; }

    /// <summary>Live mappings now.</summary>
    public int MappingCount
    {
        get
        {
            lock (_network.SyncRoot)
            {
                return _byPort.Count;
            }
        }
    }

    /// <summary>Creates a socket behind this NAT at a private address (a port of 0 picks one).</summary>
    public InMemoryDatagramSocket CreateSocket(IPEndPoint privateEndPoint) => _network.CreateSocketBehind(privateEndPoint, this);

    /// <summary>
    /// Forgets every mapping at once, as a router that reboots or rebinds does: the next outgoing
    /// datagram gets a new external port, and inbound datagrams to the old ones are dropped.
    /// </summary>
    public void Rebind()
    {
        lock (_network.SyncRoot)
        {
            _byFlow.Clear();
            _byInside.Clear();
            _byPort.Clear();
            _nextPort += 97; // new mappings must not land on the old ports
        }
    }

    /// <summary>
    /// Changes the NAT's behaviour, as an administrator reconfiguring a router does: every mapping is
    /// flushed (<see cref="Rebind"/>) and new ones follow the new options.
    /// </summary>
    /// <exception cref="ArgumentException">The public address differs.</exception>
    public void Reconfigure(InMemoryNatOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.PublicAddress.Equals(Options.PublicAddress))
        {
            throw new ArgumentException("A NAT keeps its public address.", nameof(options));
        }

        lock (_network.SyncRoot)
        {
            Options = options;
        }

        Rebind();
    }

    internal bool IsPublicAddress(EndPointKey key) => key.IsIPv6 == _publicKey.IsIPv6 && key.Address == _publicKey.Address;

    /// <summary>Translates an outgoing datagram's source; under the network's lock.</summary>
    internal EndPointKey Outbound(EndPointKey inside, EndPointKey destination, long now)
    {
        Mapping? mapping = Options.Mapping == NatMappingBehavior.EndpointIndependent
            ? _byInside.GetValueOrDefault(inside)
            : _byFlow.GetValueOrDefault((inside, destination));
        if (mapping is not null && Expired(mapping, now))
        {
            Forget(mapping);
            mapping = null;
        }

        if (mapping is null)
        {
            mapping = new Mapping(inside, AllocatePort(inside.Port, now));
            _byPort[mapping.Port] = mapping;
            if (Options.Mapping == NatMappingBehavior.EndpointIndependent)
            {
                _byInside[inside] = mapping;
            }
            else
            {
                _byFlow[(inside, destination)] = mapping;
                mapping.Flow = destination;
            }
        }

        mapping.LastUsed = now;
        if (mapping.SentTo.Count >= 4096 && !mapping.SentTo.ContainsKey(destination))
        {
            mapping.SentTo.Clear(); // bounded; a real router's conntrack table is too
        }

        mapping.SentTo[destination] = now;

        return _publicKey with { Port = mapping.Port };
    }

    /// <summary>Finds where an inbound datagram goes; false when the NAT drops it. Under the network's lock.</summary>
    internal bool TryInbound(EndPointKey source, EndPointKey publicDestination, long now, out EndPointKey inside)
    {
        inside = default;
        if (!_byPort.TryGetValue(publicDestination.Port, out Mapping? mapping) || Expired(mapping, now))
        {
            if (mapping is not null)
            {
                Forget(mapping);
            }

            Dropped++;
            return false;
        }

        // Filtering follows flows, like conntrack: a flow the inside has not used (either way) for
        // the mapping timeout no longer admits anything, even while other flows keep the port.
        long timeout = Options.MappingTimeout.Ticks;
        EndPointKey? flow = Options.Filtering switch
        {
            NatFilteringBehavior.EndpointIndependent => source,
            NatFilteringBehavior.AddressDependent => mapping.SentTo
                .Where(f => f.Key.IsIPv6 == source.IsIPv6 && f.Key.Address == source.Address && now - f.Value <= timeout)
                .Select(static f => (EndPointKey?)f.Key).FirstOrDefault(),
            _ => mapping.SentTo.TryGetValue(source, out long last) && now - last <= timeout ? source : null,
        };
        if (flow is null)
        {
            Dropped++;
            return false;
        }

        mapping.LastUsed = now;
        mapping.SentTo[flow.Value] = now;
        inside = mapping.Inside;
        return true;
    }

    private bool Expired(Mapping mapping, long now) => now - mapping.LastUsed > Options.MappingTimeout.Ticks;

    private void Forget(Mapping mapping)
    {
        _byPort.Remove(mapping.Port);
        if (mapping.Flow is { } flow)
        {
            _byFlow.Remove((mapping.Inside, flow));
        }
        else
        {
            _byInside.Remove(mapping.Inside);
        }
    }

    private ushort AllocatePort(ushort wanted, long now)
    {
        if (Options.PreservePort && Options.Mapping == NatMappingBehavior.EndpointIndependent && Free(wanted, now))
        {
            return wanted;
        }

        for (int attempt = 0; attempt < 40_000; attempt++)
        {
            int port = _nextPort;
            _nextPort = port >= 60_000 ? FirstExternalPort : port + 1;
            if (Free((ushort)port, now))
            {
                return (ushort)port;
            }
        }

        throw new SocketException((int)SocketError.TooManyOpenSockets);
    }

    private bool Free(ushort port, long now)
    {
        if (!_byPort.TryGetValue(port, out Mapping? existing))
        {
            return true;
        }

        if (Expired(existing, now))
        {
            Forget(existing);
            return true;
        }

        return false;
    }

    /// <summary>One external port and what has been sent through it.</summary>
    private sealed class Mapping(EndPointKey inside, ushort port)
    {
        public EndPointKey Inside { get; } = inside;

        public ushort Port { get; } = port;

        public EndPointKey? Flow { get; set; }

        public long LastUsed { get; set; }

        /// <summary>The flows through the mapping: remote endpoint and when it was last used.</summary>
        public Dictionary<EndPointKey, long> SentTo { get; } = [];
    }
}
