using System.CommandLine;

namespace MeshHost.Cli;

/// <summary>Options several commands share, made fresh per command (a symbol has one parent).</summary>
internal static class CliOptions
{
    public static Option<string?> DataDirectory() => new("--data-dir")
    {
        Description = "The node's data directory (default: MESHHOST_Mesh__DataDirectory, else meshhost under the user's local application data, e.g. ~/.local/share/meshhost).",
        HelpName = "DIR",
    };

    public static Option<bool> Json() => new("--json")
    {
        Description = "Print the control API's JSON instead of text.",
    };

    public static Argument<string> NodeId() => new("ID")
    {
        Description = "A node id: 64 hex digits.",
    };
}
