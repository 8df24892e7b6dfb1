namespace MeshHost.Sdk;

/// <summary>
/// What <c>plugin.json</c> in a plugin's folder says, read before the plugin's assembly is loaded.
/// </summary>
/// <remarks>
/// <code>
/// {
///   "id": "example.presence",
///   "version": "1.0.0",
///   "assembly": "Example.Presence.dll",
///   "minimumSdkVersion": "1.0.0",
///   "description": "Shows who is online.",
///   "dependencies": [ { "id": "example.other", "minimumVersion": "1.0.0" } ]
/// }
/// </code>
/// </remarks>
public sealed record PluginManifest
{
    /// <summary>The plugin's unique id: lower-case letters, digits, '.', '-' and '_', 1 to 64 characters.</summary>
    public required string Id { get; init; }

    /// <summary>The plugin's version.</summary>
    public required Version Version { get; init; }

    /// <summary>The file name of the plugin's main assembly in its folder.</summary>
    public required string Assembly { get; init; }

    /// <summary>The oldest SDK the plugin works with; the host refuses the plugin when its SDK is older or of another major version.</summary>
    public required Version MinimumSdkVersion { get; init; }

    /// <summary>One line for people.</summary>
    public string Description { get; init; } = "";

    /// <summary>Plugins that must be running before this one starts.</summary>
    public IReadOnlyList<PluginDependency> Dependencies { get; init; } = [];
}

/// <summary>A plugin another plugin needs.</summary>
/// <param name="Id">The needed plugin's id.</param>
/// <param name="MinimumVersion">Its oldest acceptable version.</param>
public sealed record PluginDependency(string Id, Version MinimumVersion);

/// <summary>The version of the SDK contract, which the host compares with each plugin's manifest.</summary>
public static class SdkVersion
{
    /// <summary>
    /// This SDK's version. The major version changes when a plugin built against the previous one
    /// could break; the minor when members are added.
    /// </summary>
    public static Version Current { get; } = new(1, 1, 0);
}
