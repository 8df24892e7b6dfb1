using System.CommandLine;
using System.Globalization;
using MeshHost.Configuration;
using MeshHost.Control;
using MeshHost.Hosting;
using MeshHost.Mesh;

namespace MeshHost.Cli;

/// <summary><c>meshhost run</c>: starts a node and its control API and runs until Ctrl+C or SIGTERM.</summary>
internal static class RunCommand
{
    public static Command Create(CliConsole console)
    {
        Option<int?> port = new("--port")
        {
            Description = $"UDP port (default {MeshNodeOptions.DefaultPort}; when taken, the next ports up to {MeshNodeOptions.DefaultPort + 7}, then any free port). 0 picks any free port.",
            HelpName = "PORT",
        };
        Option<string?> listen = new("--listen")
        {
            Description = "Address the UDP socket binds to (default 0.0.0.0).",
            HelpName = "ADDRESS",
        };
        Option<string[]> bootstrap = new("--bootstrap")
        {
            Description = "A node to join through, HOST:PORT; repeat for more. Replaces Mesh:Bootstrap from the configuration.",
            HelpName = "HOST:PORT",
        };
        Option<string?> dataDirectory = CliOptions.DataDirectory();
        Option<string?> config = new("--config")
        {
            Description = $"A JSON configuration file (default: {DataDirectory.ConfigFileName} in the data directory, if present).",
            HelpName = "FILE",
        };
        Option<string?> lanBeacon = new("--lan-beacon")
        {
            Description = "Where LAN discovery beacons go, or 'off' (default 127.0.0.1: other nodes on this host only; 255.255.255.255 searches the LAN).",
            HelpName = "ADDRESS|off",
        };

        Option<string?> relay = new("--relay")
        {
            Description = "Relay for NATed nodes: auto (default: while this node is publicly reachable), on or off. Sets Mesh:Relay:Serve.",
            HelpName = "auto|on|off",
        };

        Option<string?> keepAlive = new("--keepalive")
        {
            Description = "Keepalive interval of silent sessions (default 15s; keeps NAT mappings open). Sets Mesh:KeepAliveInterval.",
            HelpName = "DURATION",
        };

        Command command = new("run", "Start a node and keep it running until Ctrl+C or SIGTERM.");
        command.Options.Add(port);
        command.Options.Add(listen);
        command.Options.Add(bootstrap);
        command.Options.Add(dataDirectory);
        command.Options.Add(config);
        command.Options.Add(lanBeacon);
        command.Options.Add(relay);
        command.Options.Add(keepAlive);
        command.SetAction((parse, ct) =>
        {
            Dictionary<string, string?> overrides = [];
            Set(overrides, nameof(MeshSettings.Port), parse.GetValue(port)?.ToString(CultureInfo.InvariantCulture));
            Set(overrides, nameof(MeshSettings.ListenAddress), parse.GetValue(listen));
            Set(overrides, nameof(MeshSettings.DataDirectory), parse.GetValue(dataDirectory));
            Set(overrides, nameof(MeshSettings.LanBeacon), parse.GetValue(lanBeacon));
            Set(overrides, nameof(MeshSettings.Relay) + ":" + nameof(RelaySettings.Serve), parse.GetValue(relay));
            Set(overrides, nameof(MeshSettings.KeepAliveInterval), parse.GetValue(keepAlive));
            return RunAsync(console, parse.GetValue(config), overrides, parse.GetValue(bootstrap) ?? [], ct);
        });
        return command;
    }

    private static void Set(Dictionary<string, string?> overrides, string key, string? value)
    {
        if (value is not null)
        {
            overrides[MeshSettings.SectionName + ":" + key] = value;
        }
    }

    private static async Task<int> RunAsync(CliConsole console, string? configPath, Dictionary<string, string?> overrides, string[] bootstrap, CancellationToken cancellationToken)
    {
        NodeHost host;
        try
        {
            Microsoft.Extensions.Configuration.IConfigurationRoot configuration = HostConfiguration.Build(configPath, overrides);
            MeshSettings settings = MeshOptionsFactory.Bind(configuration);
            if (bootstrap.Length > 0)
            {
                settings.Bootstrap = [.. bootstrap];
            }

            MeshNodeOptions options = await MeshOptionsFactory.CreateAsync(settings, cancellationToken).ConfigureAwait(false);
            host = await NodeHost.CreateAsync(configuration, options, console, cancellationToken).ConfigureAwait(false);
        }
        catch (UsageException e)
        {
            console.Error.WriteLine("meshhost: " + e.Message);
            return ExitCodes.Usage;
        }
        catch (AlreadyRunningException e)
        {
            console.Error.WriteLine("meshhost: " + e.Message);
            return ExitCodes.Failure;
        }

        await using (host.ConfigureAwait(false))
        {
            return await host.RunAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
