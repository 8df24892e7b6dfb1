using MeshHost.Sdk;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MeshHost.Plugins;

/// <summary>What the host gives every plugin it runs: the node, where data goes, logging, the clock and configuration.</summary>
public sealed record PluginEnvironment
{
    /// <summary>The node the plugins run on (a <c>MeshNode</c>, or the testing kit's in-memory mesh).</summary>
    public required IMesh Mesh { get; init; }

    /// <summary>The node's data directory; a plugin's own directory is <c>&lt;this&gt;/plugins/&lt;id&gt;</c>.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>The host's logging; each plugin's logger category is <c>Plugin.&lt;id&gt;</c>.</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    /// <summary>The node's clock; plugins get a wrapper that tracks (and on stop disposes) their timers.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The host configuration; each plugin sees its section <c>Plugins:&lt;id&gt;</c>. Null for none.</summary>
    public IConfiguration? Configuration { get; init; }

    /// <summary>The fault policy and timeouts.</summary>
    public PluginRuntimeOptions Options { get; init; } = new();

    /// <summary>The plugin's data directory: <c>&lt;DataDirectory&gt;/plugins/&lt;id&gt;</c>.</summary>
    public string PluginDataDirectory(string pluginId) => Path.Combine(DataDirectory, "plugins", pluginId);
}
