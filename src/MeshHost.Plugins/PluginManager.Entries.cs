using MeshHost.Plugins.Loading;
using MeshHost.Sdk;

namespace MeshHost.Plugins;

public sealed partial class PluginManager
{
    /// <summary>One plugin folder: what its manifest says, and its load context and instance while loaded.</summary>
    private sealed class Entry
    {
        public Entry(string folder)
        {
            Folder = folder;
            Id = Path.GetFileName(folder);
        }

        public string Folder { get; }

        /// <summary>The manifest's id, or the folder's name while there is no valid manifest.</summary>
        public string Id { get; set; }

        public Version? Version { get; set; }

        public string Description { get; set; } = "";

        /// <summary>Set when the manifest is valid and fits this host.</summary>
        public PluginManifest? Manifest { get; set; }

        /// <summary>The state while no instance exists (its last outcome).</summary>
        public PluginState State { get; private set; } = PluginState.Loaded;

        public string? Reason { get; private set; }

        public long Faults { get; set; }

        public PluginLoadContext? LoadContext { get; set; }

        public PluginInstance? Instance { get; set; }

        /// <summary>Unloaded with <see cref="UnloadAsync"/>: hot reload leaves it alone.</summary>
        public bool UnloadedByRequest { get; set; }

        public FileSystemWatcher? Watcher { get; set; }

        public ITimer? Debounce { get; set; }

        public void SetOutcome(PluginState state, string? reason)
        {
            State = state;
            Reason = reason;
        }

        public PluginStatus Status() => Instance is { } instance
            ? new PluginStatus(Id, Version, instance.State, instance.Reason, Folder, instance.FaultCount, Description)
            : new PluginStatus(Id, Version, State, Reason, Folder, Faults, Description);
    }
}
