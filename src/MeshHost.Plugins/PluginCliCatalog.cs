using MeshHost.Plugins.Loading;
using MeshHost.Sdk;

namespace MeshHost.Plugins;

/// <summary>A CLI command a plugin contributes, with the plugin it belongs to.</summary>
/// <param name="PluginId">The plugin's id: the command reaches <c>/v1/plugins/&lt;id&gt;/</c>.</param>
/// <param name="Command">The command.</param>
public sealed record PluginCliCommand(string PluginId, PluginCommand Command);

/// <summary>
/// The CLI's view of the installed plugins: each plugin that fits this host is loaded (never started)
/// and asked for its commands (<see cref="ICliContributor"/>). Disposing unloads them.
/// </summary>
public sealed class PluginCliCatalog : IDisposable
{
    private readonly List<PluginLoadContext> _contexts = [];
    private readonly List<PluginCliCommand> _commands = [];
    private readonly List<string> _warnings = [];

    private PluginCliCatalog()
    {
    }

    /// <summary>The commands, in folder order; names are valid and unique among plugins.</summary>
    public IReadOnlyList<PluginCliCommand> Commands => _commands;

    /// <summary>Commands refused (bad or duplicate names, a failing <c>AddCommands</c>), for people.</summary>
    public IReadOnlyList<string> Warnings => _warnings;

    /// <summary>Loads the plugins in <paramref name="directories"/> (plugins that do not load are skipped: <c>meshhost plugins list</c> on the node explains them).</summary>
    public static PluginCliCatalog Load(IReadOnlyList<string> directories)
    {
        ArgumentNullException.ThrowIfNull(directories);
        var catalog = new PluginCliCatalog();
        var seenIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (string root in directories)
        {
            foreach (string folder in ManifestReader.ListFolders(root))
            {
                if (ManifestReader.Read(folder).Manifest is { } manifest
                    && seenIds.Add(manifest.Id)
                    && SdkCompatibility.CheckManifest(manifest, SdkVersion.Current) is null)
                {
                    catalog.Collect(folder, manifest);
                }
            }
        }

        return catalog;
    }

    /// <summary>True for a command name of lower-case letters, digits and '-', starting with a letter.</summary>
    public static bool IsValidCommandName(string? name) =>
        !string.IsNullOrEmpty(name) && name[0] is >= 'a' and <= 'z' && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-');

    /// <summary>Unloads the plugins.</summary>
    public void Dispose()
    {
        _commands.Clear();
        foreach (PluginLoadContext context in _contexts)
        {
            context.Unload();
        }

        _contexts.Clear();
    }

    private void Collect(string folder, PluginManifest manifest)
    {
        LoadOutcome outcome = PluginLoader.Load(folder, manifest);
        if (outcome.Context is null)
        {
            return;
        }

        _contexts.Add(outcome.Context);
        if (outcome.Plugin is not ICliContributor contributor)
        {
            return;
        }

        var builder = new Builder();
        try
        {
            contributor.AddCommands(builder);
        }
        catch (Exception e)
        {
            _warnings.Add($"plugin {manifest.Id}: AddCommands threw {e.GetType().Name}: {e.Message}; its commands are left out");
            return;
        }

        foreach (PluginCommand command in builder.Commands)
        {
            if (!IsValidCommandName(command.Name))
            {
                _warnings.Add($"plugin {manifest.Id}: command name '{command.Name}' is not lower-case letters, digits and '-'; left out");
            }
            else if (_commands.FirstOrDefault(c => c.Command.Name == command.Name) is { } clash)
            {
                _warnings.Add($"plugin {manifest.Id}: command '{command.Name}' is already plugin {clash.PluginId}'s; left out");
            }
            else
            {
                _commands.Add(new PluginCliCommand(manifest.Id, command));
            }
        }
    }

    private sealed class Builder : ICliBuilder
    {
        public List<PluginCommand> Commands { get; } = [];

        public void AddCommand(PluginCommand command)
        {
            ArgumentNullException.ThrowIfNull(command);
            Commands.Add(command);
        }
    }
}
