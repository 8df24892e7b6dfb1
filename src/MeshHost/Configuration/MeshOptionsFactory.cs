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

        return new MeshNodeOptions
        {
            DataDirectory = Path.GetFullPath(settings.DataDirectory),
            ListenEndPoint = new IPEndPoint(listen, settings.Port),
            PortFallback = settings.PortFallback,
            Bootstrap = bootstrap,
            LanBeaconAddress = ParseLanBeacon(settings.LanBeacon),
            TargetConnections = settings.TargetConnections,
            MaxConnections = settings.MaxConnections,
        };
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
