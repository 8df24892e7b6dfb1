using System.CommandLine;
using MeshHost.Control;
using MeshHost.Plugins;

namespace MeshHost.Cli;

/// <summary><c>meshhost plugins list|load|unload|reload</c>: the node's plugins, through its control API.</summary>
internal static class PluginCommands
{
    public static Command Create(CliConsole console)
    {
        Command plugins = new("plugins", "List, load, unload and reload the running node's plugins.");
        Command list = new("list", "List the node's plugins: id, version, state and why.");
        Option<string?> dataDirectory = CliOptions.DataDirectory();
        Option<bool> json = CliOptions.Json();
        list.Options.Add(dataDirectory);
        list.Options.Add(json);
        list.SetAction((parse, ct) => NodeCommands.CallAsync(
            console, parse.GetValue(dataDirectory), parse.GetValue(json), (client, c) => client.GetAsync("plugins", c), ControlJsonContext.Default.PluginsResponse, WriteList, ct));
        plugins.Subcommands.Add(list);
        plugins.Subcommands.Add(Manage(console, "load", "Find a plugin in the plugin directories (again) and start it. Exit code 1 unless it ends running.", "running"));
        plugins.Subcommands.Add(Manage(console, "unload", "Stop a plugin (and the plugins that depend on it) and unload it.", "stopped"));
        plugins.Subcommands.Add(Manage(console, "reload", "Stop and unload a plugin, then load its folder again. Exit code 1 unless it ends running.", "running"));
        return plugins;
    }

    private static Command Manage(CliConsole console, string action, string description, string expected) => NodeCommands.WithArgument(
        console,
        action,
        description,
        new Argument<string>("ID") { Description = "The plugin's id, as 'meshhost plugins list' shows it." },
        value => PluginManager.IsValidId(value) ? null : $"'{value}' is not a plugin id (1 to 64 of a-z, 0-9, '.', '-', '_').",
        (client, id, ct) => client.PostAsync($"plugins/{id}/{action}", "", ct),
        ControlJsonContext.Default.PluginResponse,
        (o, p) =>
        {
            o.WriteLine($"{p.Id} {p.Version} {p.State}{(p.Reason is null ? "" : ": " + p.Reason)}");
            if (p.State == expected)
            {
                return ExitCodes.Success;
            }

            console.Error.WriteLine($"meshhost: plugin {p.Id} is {p.State}, not {expected}: {p.Reason}");
            return ExitCodes.Failure;
        });

    private static int WriteList(TextWriter o, PluginsResponse response) => TextTable.Write(
        o,
        response.Plugins,
        "No plugins installed.",
        ["ID", "VERSION", "STATE", "FAULTS", "REASON"],
        p => [p.Id, p.Version ?? "-", p.State, p.Faults.ToString(System.Globalization.CultureInfo.InvariantCulture), p.Reason ?? ""]);
}
