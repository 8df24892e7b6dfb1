namespace MeshHost.Plugins;

/// <summary>One plugin as <c>meshhost plugins list</c> shows it.</summary>
/// <param name="Id">The manifest's id; the folder's name when the manifest could not be read.</param>
/// <param name="Version">The manifest's version; null when the manifest could not be read.</param>
/// <param name="State">Where the plugin is in its life.</param>
/// <param name="Reason">Why it is in that state, for people; null while running.</param>
/// <param name="Folder">The plugin's folder.</param>
/// <param name="Faults">Handler faults counted against the plugin since it was last loaded.</param>
/// <param name="Description">The manifest's description.</param>
public sealed record PluginStatus(string Id, Version? Version, PluginState State, string? Reason, string Folder, long Faults, string Description);

/// <summary>Where the <see cref="PluginManager"/> looks for plugins and how it reloads them.</summary>
public sealed record PluginManagerOptions
{
    /// <summary>The default <see cref="ReloadDebounce"/>: one second.</summary>
    public static readonly TimeSpan DefaultReloadDebounce = TimeSpan.FromSeconds(1);

    /// <summary>Directories whose subfolders each hold one plugin (plugin.json and its assemblies). A missing directory is skipped.</summary>
    public required IReadOnlyList<string> Directories { get; init; }

    /// <summary>Watch each plugin's folder and reload the plugin when its files change.</summary>
    public bool HotReload { get; init; } = true;

    /// <summary>How long a folder must stay quiet after a change before the plugin is reloaded; positive.</summary>
    public TimeSpan ReloadDebounce { get; init; } = DefaultReloadDebounce;
}
