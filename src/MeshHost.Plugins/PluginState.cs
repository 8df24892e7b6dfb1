namespace MeshHost.Plugins;

/// <summary>Where a plugin is in its life; <see cref="PluginInstance.Reason"/> says why when it is not running.</summary>
public enum PluginState
{
    /// <summary>Loaded (its type instantiated) but not started.</summary>
    Loaded = 0,

    /// <summary>Started and serving.</summary>
    Running = 1,

    /// <summary>Failed to load or start, or stopped by the host after faulting too often.</summary>
    Faulted = 2,

    /// <summary>Refused before start: its manifest, SDK version or dependencies do not fit this host.</summary>
    Incompatible = 3,

    /// <summary>Stopped on request (or with the host); what it opened has been released.</summary>
    Stopped = 4,
}
