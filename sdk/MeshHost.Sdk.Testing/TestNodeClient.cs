using MeshHost.Plugins;

namespace MeshHost.Sdk.Testing;

/// <summary>
/// The node client a plugin's CLI command gets in the kit: it calls the plugin's endpoints in
/// process, as the real client reaches them over the control API.
/// </summary>
internal sealed class TestNodeClient(PluginInstance instance) : IPluginNodeClient
{
    public Task<ControlApiResponse> SendAsync(string method, string path, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default) =>
        SendAsync(instance, method, path, body, cancellationToken);

    /// <summary>Splits off the query (first of repeated keys, as the host reads it) and invokes the endpoint.</summary>
    public static Task<ControlApiResponse> SendAsync(PluginInstance instance, string method, string path, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(path);
        var query = new Dictionary<string, string>(StringComparer.Ordinal);
        int mark = path.IndexOf('?', StringComparison.Ordinal);
        if (mark >= 0)
        {
            foreach (string pair in path[(mark + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                int equals = pair.IndexOf('=', StringComparison.Ordinal);
                string key = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
                query.TryAdd(key, equals < 0 ? "" : Uri.UnescapeDataString(pair[(equals + 1)..]));
            }

            path = path[..mark];
        }

        return instance.InvokeEndpointAsync(method, path, query, body, cancellationToken);
    }

    public static PluginCommand FindCommand(PluginInstance instance, string name)
    {
        if (instance.Plugin is ICliContributor contributor)
        {
            var commands = new CommandCollector();
            contributor.AddCommands(commands);
            foreach (PluginCommand command in commands.Commands)
            {
                if (command.Name == name)
                {
                    return command;
                }
            }
        }

        throw new InvalidOperationException($"Plugin {instance.Id} contributes no command '{name}'.");
    }

    public static void CheckInput(PluginCommand command, IReadOnlyDictionary<string, string> arguments, IReadOnlyDictionary<string, string> options)
    {
        foreach (PluginCommandArgument argument in command.Arguments)
        {
            if (!arguments.ContainsKey(argument.Name))
            {
                throw new ArgumentException($"'{command.Name}' needs its argument '{argument.Name}'.", nameof(arguments));
            }
        }

        CheckDeclared(command.Name, arguments.Keys, command.Arguments, "argument", nameof(arguments));
        CheckDeclared(command.Name, options.Keys, command.Options, "option", nameof(options));
    }

    private static void CheckDeclared(string command, IEnumerable<string> given, IReadOnlyList<PluginCommandArgument> declared, string kind, string parameter)
    {
        foreach (string name in given)
        {
            bool found = false;
            foreach (PluginCommandArgument candidate in declared)
            {
                found |= candidate.Name == name;
            }

            if (!found)
            {
                throw new ArgumentException($"'{command}' declares no {kind} '{name}'.", parameter);
            }
        }
    }

    private sealed class CommandCollector : ICliBuilder
    {
        public List<PluginCommand> Commands { get; } = [];

        public void AddCommand(PluginCommand command) => Commands.Add(command);
    }
}
