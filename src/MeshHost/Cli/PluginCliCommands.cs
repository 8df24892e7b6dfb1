using System.CommandLine;
using MeshHost.Configuration;
using MeshHost.Control;
using MeshHost.Plugins;
using MeshHost.Sdk;

namespace MeshHost.Cli;

/// <summary>
/// Commands contributed by installed plugins (<see cref="ICliContributor"/>), added as top-level
/// commands. They run in the CLI process and reach the node through <c>/v1/plugins/&lt;id&gt;/</c>.
/// </summary>
internal static class PluginCliCommands
{
    /// <summary>
    /// Loads the plugins (without starting them) and adds their commands to <paramref name="root"/>;
    /// skipped when <paramref name="args"/> names one of meshhost's own commands, so those never pay
    /// for loading plugins. A name meshhost or another plugin already uses is refused with a warning.
    /// </summary>
    /// <returns>The loaded plugins (dispose to unload them), or null when none were looked for.</returns>
    public static PluginCliCatalog? AddTo(RootCommand root, CliConsole console, string[] args)
    {
        if (args.Length > 0 && root.Subcommands.Any(c => c.Name == args[0]))
        {
            return null;
        }

        IReadOnlyList<string> directories;
        try
        {
            directories = Directories(args);
        }
        catch (UsageException)
        {
            return null; // the command itself reports bad configuration
        }

        PluginCliCatalog catalog = PluginCliCatalog.Load(directories);
        foreach (string warning in catalog.Warnings)
        {
            console.Error.WriteLine("meshhost: warning: " + warning);
        }

        foreach (PluginCliCommand command in catalog.Commands)
        {
            if (root.Subcommands.Any(c => c.Name == command.Command.Name))
            {
                console.Error.WriteLine($"meshhost: warning: plugin {command.PluginId}: command '{command.Command.Name}' is one of meshhost's own; left out");
                continue;
            }

            root.Subcommands.Add(Create(console, command));
        }

        return catalog;
    }

    /// <summary>The plugin directories the node of this data directory would use (same configuration layers as <c>run</c>).</summary>
    private static IReadOnlyList<string> Directories(string[] args)
    {
        Dictionary<string, string?> overrides = [];
        if (OptionValue(args, "--data-dir") is { } dataDirectory)
        {
            overrides[MeshSettings.SectionName + ":" + nameof(MeshSettings.DataDirectory)] = dataDirectory;
        }

        Microsoft.Extensions.Configuration.IConfigurationRoot configuration = HostConfiguration.Build(OptionValue(args, "--config"), overrides);
        string resolved = configuration[MeshSettings.SectionName + ":" + nameof(MeshSettings.DataDirectory)]!;
        return PluginSettings.Read(configuration, resolved).Directories;
    }

    private static string? OptionValue(string[] args, string name)
    {
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == name && i + 1 < args.Length)
            {
                return args[i + 1];
            }

            if (args[i].StartsWith(name + "=", StringComparison.Ordinal))
            {
                return args[i][(name.Length + 1)..];
            }
        }

        return null;
    }

    private static Command Create(CliConsole console, PluginCliCommand contributed)
    {
        PluginCommand plugin = contributed.Command;
        Command command = new(plugin.Name, $"{plugin.Description} (plugin {contributed.PluginId})");
        List<(string Name, Argument<string> Symbol)> arguments = [];
        foreach (PluginCommandArgument argument in plugin.Arguments)
        {
            Argument<string> symbol = new(argument.Name) { Description = argument.Description };
            command.Arguments.Add(symbol);
            arguments.Add((argument.Name, symbol));
        }

        Argument<string[]>? remaining = null;
        if (plugin.RemainingArguments is { } rest)
        {
            remaining = new Argument<string[]>(rest.Name) { Description = rest.Description, Arity = ArgumentArity.ZeroOrMore };
            command.Arguments.Add(remaining);
        }

        List<(string Name, Option<string?> Symbol)> options = [];
        foreach (PluginCommandArgument option in plugin.Options)
        {
            if (option.Name is "data-dir" or "help" || !PluginCliCatalog.IsValidCommandName(option.Name))
            {
                console.Error.WriteLine($"meshhost: warning: plugin {contributed.PluginId}: option '--{option.Name}' of '{plugin.Name}' is reserved or malformed; left out");
                continue;
            }

            Option<string?> symbol = new("--" + option.Name) { Description = option.Description };
            command.Options.Add(symbol);
            options.Add((option.Name, symbol));
        }

        Option<string?> dataDirectory = CliOptions.DataDirectory();
        command.Options.Add(dataDirectory);
        command.SetAction(async (parse, ct) =>
        {
            Dictionary<string, string> given = [];
            foreach ((string name, Option<string?> symbol) in options)
            {
                if (parse.GetValue(symbol) is { } value)
                {
                    given[name] = value;
                }
            }

            string directory;
            try
            {
                directory = DataDirectory.Resolve(parse.GetValue(dataDirectory));
            }
            catch (UsageException e)
            {
                console.Error.WriteLine("meshhost: " + e.Message);
                return ExitCodes.Usage;
            }

            var context = new PluginCommandContext(
                arguments.ToDictionary(a => a.Name, a => parse.GetValue(a.Symbol) ?? ""),
                given,
                console.Out,
                console.Error,
                new PluginNodeClient(directory, contributed.PluginId))
            {
                RemainingArguments = remaining is null ? [] : parse.GetValue(remaining) ?? [],
            };
            try
            {
                return await plugin.Run(context, ct).ConfigureAwait(false);
            }
            catch (MeshException e) when (e.Error == MeshError.PeerUnreachable && e.InnerException is NodeNotRunningException)
            {
                console.Error.WriteLine(e.Message);
                return ExitCodes.NoNode;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                console.Error.WriteLine($"meshhost: plugin {contributed.PluginId}'s command '{plugin.Name}' failed: {e.GetType().Name}: {e.Message}");
                return ExitCodes.Failure;
            }
        });
        return command;
    }

    /// <summary>A plugin command's way to its own endpoints on the running node, with the node's token.</summary>
    private sealed class PluginNodeClient : IPluginNodeClient
    {
        private readonly string _dataDirectory;
        private readonly string _pluginId;

        public PluginNodeClient(string dataDirectory, string pluginId)
        {
            _dataDirectory = dataDirectory;
            _pluginId = pluginId;
        }

        public async Task<ControlApiResponse> SendAsync(string method, string path, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(method);
            ArgumentNullException.ThrowIfNull(path);
            try
            {
                using ControlClient client = ControlClient.Open(_dataDirectory);
                return await client.SendRawAsync(method, $"plugins/{_pluginId}/{path.TrimStart('/')}", body, cancellationToken).ConfigureAwait(false);
            }
            catch (NodeNotRunningException e)
            {
                throw new MeshException(MeshError.PeerUnreachable, e.Message, e);
            }
        }
    }
}
