using System.Globalization;
using System.Net;
using System.Net.Sockets;
using MeshHost.Mesh;
using Microsoft.Extensions.Configuration;

namespace MeshHost.Configuration;

/// <summary>Checks the user's settings and turns them into <see cref="MeshNodeOptions"/>; every mistake is a <see cref="UsageException"/> that says how to fix it.</summary>
internal static class MeshOptionsFactory
{
    private static readonly TimeSpan ResolveTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Binds the <c>Mesh</c> section.</summary>
    /// <exception cref="UsageException">A value has the wrong type (a port that is not a number, say).</exception>
    public static MeshSettings Bind(IConfiguration configuration)
    {
        MeshSettings settings = new();
        try
        {
            configuration.GetSection(MeshSettings.SectionName).Bind(settings);
        }
        catch (InvalidOperationException e)
        {
            throw new UsageException($"The {MeshSettings.SectionName} configuration is not valid: {e.InnerException?.Message ?? e.Message}", e);
        }

        return settings;
    }

    /// <summary>Validates <paramref name="settings"/> and resolves the bootstrap host names.</summary>
    /// <exception cref="UsageException">A value is out of range or an address does not parse or resolve.</exception>
    public static async Task<MeshNodeOptions> CreateAsync(MeshSettings settings, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(settings.DataDirectory))
        {
            throw new UsageException("No data directory is configured; pass --data-dir.");
        }

        if (settings.Port is < 0 or > IPEndPoint.MaxPort)
        {
            throw new UsageException($"The port {settings.Port} is not between 0 and {IPEndPoint.MaxPort}.");
        }

        if (!IPAddress.TryParse(settings.ListenAddress, out IPAddress? listen))
        {
            throw new UsageException($"The listen address '{settings.ListenAddress}' is not an IP address (for example 0.0.0.0 or 127.0.0.1).");
        }

        if (settings.TargetConnections < 1 || settings.MaxConnections < settings.TargetConnections)
        {
            throw new UsageException($"TargetConnections ({settings.TargetConnections}) must be at least 1 and at most MaxConnections ({settings.MaxConnections}).");
        }

        List<IPEndPoint> bootstrap = new(settings.Bootstrap.Count);
        foreach (string value in settings.Bootstrap)
        {
            bootstrap.Add(await ResolveAsync(value, cancellationToken).ConfigureAwait(false));
        }

        TimeSpan keepAlive = ParseDuration(settings.KeepAliveInterval, "Mesh:KeepAliveInterval");
        var transport = new Transport.TransportOptions();
        if (keepAlive < TimeSpan.FromSeconds(1) || keepAlive >= transport.IdleTimeout)
        {
            throw new UsageException($"Mesh:KeepAliveInterval ({settings.KeepAliveInterval}) must be at least 1 s and below the idle timeout ({transport.IdleTimeout.TotalSeconds:0} s); NAT mappings commonly expire after 30 s, so 15-25 s is the useful range.");
        }

        return new MeshNodeOptions
        {
            Transport = transport with { KeepAliveInterval = keepAlive },
            Relay = CreateRelayOptions(settings.Relay ?? new RelaySettings()),
            DataDirectory = Path.GetFullPath(settings.DataDirectory),
            ListenEndPoint = new IPEndPoint(listen, settings.Port),
            PortFallback = settings.PortFallback,
            Bootstrap = bootstrap,
            LanBeaconAddress = ParseLanBeacon(settings.LanBeacon),
            TargetConnections = settings.TargetConnections,
            MaxConnections = settings.MaxConnections,
        };
    }

    /// <summary>Checks the <c>Mesh:Relay</c> section.</summary>
    /// <exception cref="UsageException">A value is out of range.</exception>
    public static Mesh.Nat.RelayOptions CreateRelayOptions(RelaySettings relay)
    {
        Mesh.Nat.RelayServeMode serve = relay.Serve?.Trim().ToLowerInvariant() switch
        {
            "auto" => Mesh.Nat.RelayServeMode.Auto,
            "on" => Mesh.Nat.RelayServeMode.On,
            "off" => Mesh.Nat.RelayServeMode.Off,
            _ => throw new UsageException($"Mesh:Relay:Serve is '{relay.Serve}'; use auto (serve while publicly reachable), on or off."),
        };

        if (relay.MaxCircuits is < 0 or > 100_000)
        {
            throw new UsageException($"Mesh:Relay:MaxCircuits ({relay.MaxCircuits}) must be between 0 and 100000.");
        }

        if (relay.MaxBytesPerSecondPerCircuit < 2048)
        {
            throw new UsageException($"Mesh:Relay:MaxBytesPerSecondPerCircuit ({relay.MaxBytesPerSecondPerCircuit}) must be at least 2048 (one relayed packet per second is no path at all).");
        }

        if (relay.MaxBytesPerSecond < 2048)
        {
            throw new UsageException($"Mesh:Relay:MaxBytesPerSecond ({relay.MaxBytesPerSecond}) must be at least 2048.");
        }

        TimeSpan duration = ParseDuration(relay.MaxCircuitDuration, "Mesh:Relay:MaxCircuitDuration");
        if (duration < TimeSpan.FromSeconds(10))
        {
            throw new UsageException($"Mesh:Relay:MaxCircuitDuration ({relay.MaxCircuitDuration}) must be at least 10 s.");
        }

        return new Mesh.Nat.RelayOptions
        {
            Serve = serve,
            MaxCircuits = relay.MaxCircuits,
            MaxBytesPerSecondPerCircuit = relay.MaxBytesPerSecondPerCircuit,
            MaxCircuitDuration = duration,
            MaxBytesPerSecond = relay.MaxBytesPerSecond,
        };
    }

    /// <summary>Parses a duration: whole or decimal seconds (<c>15</c>), a number with <c>ms</c>, <c>s</c>, <c>m</c> or <c>h</c>, or <c>hh:mm:ss</c>.</summary>
    /// <exception cref="UsageException">None of these, or not positive.</exception>
    public static TimeSpan ParseDuration(string? value, string key)
    {
        string text = (value ?? "").Trim();
        (string number, double scale) = text switch
        {
            _ when text.EndsWith("ms", StringComparison.OrdinalIgnoreCase) => (text[..^2], 0.001),
            _ when text.EndsWith('s') || text.EndsWith('S') => (text[..^1], 1.0),
            _ when text.EndsWith('m') || text.EndsWith('M') => (text[..^1], 60.0),
            _ when text.EndsWith('h') || text.EndsWith('H') => (text[..^1], 3600.0),
            _ => (text, 1.0),
        };

        TimeSpan result;
        if (double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out double amount) && double.IsFinite(amount))
        {
            result = TimeSpan.FromSeconds(amount * scale);
        }
        else if (!TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out result))
        {
            throw new UsageException($"{key} is '{value}', which is not a duration (for example 15, 15s, 2m, 1h or 00:00:15).");
        }

        return result > TimeSpan.Zero ? result : throw new UsageException($"{key} ({value}) must be positive.");
    }

    /// <summary>Parses <c>off</c> (null: discovery off) or an IP address.</summary>
    /// <exception cref="UsageException">Neither.</exception>
    public static IPAddress? ParseLanBeacon(string? value)
    {
        if (string.IsNullOrWhiteSpace(value) || string.Equals(value, MeshSettings.Off, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return IPAddress.TryParse(value, out IPAddress? address)
            ? address
            : throw new UsageException($"The LAN beacon address '{value}' is not an IP address or 'off' (127.0.0.1 keeps discovery on this host; 255.255.255.255 searches the LAN).");
    }

    /// <summary>Parses <c>HOST:PORT</c> (<c>[v6]:PORT</c> for IPv6) and resolves a host name, preferring IPv4.</summary>
    /// <exception cref="UsageException">The value is malformed or the name does not resolve.</exception>
    public static async Task<IPEndPoint> ResolveAsync(string value, CancellationToken cancellationToken)
    {
        (string host, int port) = SplitHostPort(value);
        if (IPAddress.TryParse(host, out IPAddress? address))
        {
            return new IPEndPoint(address, port);
        }

        if (Uri.CheckHostName(host) != UriHostNameType.Dns)
        {
            throw new UsageException($"The bootstrap address '{value}' does not name a host.");
        }

        using CancellationTokenSource timeout = new(ResolveTimeout, TimeProvider.System);
        using CancellationTokenSource linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        IPAddress[] addresses;
        try
        {
            addresses = await Dns.GetHostAddressesAsync(host, linked.Token).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            throw new UsageException($"The bootstrap host '{host}' does not resolve: {e.Message}", e);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new UsageException($"The bootstrap host '{host}' did not resolve within {ResolveTimeout.TotalSeconds:0} s.", e);
        }

        IPAddress? chosen = Array.Find(addresses, a => a.AddressFamily == AddressFamily.InterNetwork) ?? (addresses.Length > 0 ? addresses[0] : null);
        return chosen is null
            ? throw new UsageException($"The bootstrap host '{host}' has no addresses.")
            : new IPEndPoint(chosen, port);
    }

    private static (string Host, int Port) SplitHostPort(string value)
    {
        string trimmed = value.Trim();
        int colon = trimmed.LastIndexOf(':');
        string host = colon > 0 ? trimmed[..colon] : string.Empty;
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }
        else if (host.Contains(':', StringComparison.Ordinal))
        {
            host = string.Empty; // a bare IPv6 address is ambiguous with its port: ask for brackets
        }

        if (host.Length == 0
            || !int.TryParse(trimmed.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port)
            || port is < 1 or > IPEndPoint.MaxPort)
        {
            throw new UsageException($"The bootstrap address '{value}' is not HOST:PORT (for example 127.0.0.1:47800, localhost:47800 or [::1]:47800).");
        }

        return (host, port);
    }
}
