using System.CommandLine;

namespace MeshHost.Cli;

/// <summary>The <c>meshhost</c> command line: builds the commands and turns parse errors into exit code 2.</summary>
internal static class MeshHostCli
{
    public static RootCommand Build(CliConsole console)
    {
        RootCommand root = new("meshhost: a peer-to-peer mesh host. Start a node with 'meshhost run'; the other commands talk to it through its local control API.");
        root.Subcommands.Add(RunCommand.Create(console));
        foreach (Command command in NodeCommands.Create(console))
        {
            root.Subcommands.Add(command);
        }

        root.Subcommands.Add(PingCommand.Create(console));
        root.Subcommands.Add(DemoCommand.Create(console));
        root.Subcommands.Add(PluginCommands.Create(console));
        return root;
    }

    public static async Task<int> InvokeAsync(string[] args, CliConsole console, CancellationToken cancellationToken = default)
    {
        RootCommand root = Build(console);
        using Plugins.PluginCliCatalog? plugins = PluginCliCommands.AddTo(root, console, args);
        ParseResult parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (System.CommandLine.Parsing.ParseError error in parse.Errors)
            {
                console.Error.WriteLine("meshhost: " + error.Message);
            }

            console.Error.WriteLine($"Run '{string.Join(' ', ["meshhost", .. CommandPath(parse.CommandResult.Command)])} --help' for usage.");
            return ExitCodes.Usage;
        }

        InvocationConfiguration invocation = new()
        {
            Output = console.Out,
            Error = console.Error,

            // The generic host of 'meshhost run' handles Ctrl+C and SIGTERM itself, to stop the node cleanly.
            ProcessTerminationTimeout = null,
        };
        return await parse.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
    }

    private static IEnumerable<string> CommandPath(Command command)
    {
        Stack<string> names = new();
        for (Symbol? symbol = command; symbol is Command c && symbol.Parents.Any(); symbol = symbol.Parents.First())
        {
            names.Push(c.Name);
        }

        return names;
    }
}
