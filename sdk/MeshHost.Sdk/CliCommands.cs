namespace MeshHost.Sdk;

/// <summary>
/// Implemented by a plugin (its <see cref="IMeshPlugin"/> type) that adds commands to the
/// <c>meshhost</c> CLI, for example <c>meshhost share PATH</c>. Commands run in the CLI process, not
/// in the node: they reach the running node through <see cref="PluginCommandContext.Node"/>, usually
/// calling the plugin's own control API endpoints.
/// </summary>
public interface ICliContributor
{
    /// <summary>Declares the plugin's commands. Called without starting the plugin.</summary>
    void AddCommands(ICliBuilder cli);
}

/// <summary>Collects a plugin's CLI commands.</summary>
public interface ICliBuilder
{
    /// <summary>Adds a top-level command; a name the host or another plugin already uses is refused with a warning.</summary>
    void AddCommand(PluginCommand command);
}

/// <summary>A CLI command contributed by a plugin.</summary>
public sealed record PluginCommand
{
    /// <summary>The command's name: lower-case letters, digits and '-'.</summary>
    public required string Name { get; init; }

    /// <summary>One line for <c>meshhost --help</c>.</summary>
    public required string Description { get; init; }

    /// <summary>Positional arguments, in order; each one is required.</summary>
    public IReadOnlyList<PluginCommandArgument> Arguments { get; init; } = [];

    /// <summary>Named options (<c>--name value</c>); each is optional.</summary>
    public IReadOnlyList<PluginCommandArgument> Options { get; init; } = [];

    /// <summary>
    /// Zero or more further positional arguments after <see cref="Arguments"/>, for commands such as
    /// <c>meshhost chat send ROOM TEXT...</c> (since SDK 1.1). When set, the command receives them in
    /// <see cref="PluginCommandContext.RemainingArguments"/>; when null (the default), extra arguments are a usage error.
    /// </summary>
    public PluginCommandArgument? RemainingArguments { get; init; }

    /// <summary>Runs the command and returns its exit code (0 for success).</summary>
    public required PluginCommandHandler Run { get; init; }
}

/// <summary>A positional argument or an option of a <see cref="PluginCommand"/>.</summary>
/// <param name="Name">The name (options are typed as <c>--name</c>).</param>
/// <param name="Description">One line of help.</param>
public sealed record PluginCommandArgument(string Name, string Description);

/// <summary>Runs a plugin command.</summary>
public delegate Task<int> PluginCommandHandler(PluginCommandContext context, CancellationToken cancellationToken);

/// <summary>What a plugin command gets: its parsed input, output streams and the running node.</summary>
public sealed class PluginCommandContext
{
    /// <summary>Creates a context (the host does this; tests may too).</summary>
    public PluginCommandContext(IReadOnlyDictionary<string, string> arguments, IReadOnlyDictionary<string, string> options, TextWriter output, TextWriter error, IPluginNodeClient node)
    {
        Arguments = arguments;
        Options = options;
        Output = output;
        Error = error;
        Node = node;
    }

    /// <summary>The positional arguments by name.</summary>
    public IReadOnlyDictionary<string, string> Arguments { get; }

    /// <summary>
    /// The positional arguments after <see cref="Arguments"/>, in order, when the command declares
    /// <see cref="PluginCommand.RemainingArguments"/> (since SDK 1.1); empty otherwise.
    /// </summary>
    public IReadOnlyList<string> RemainingArguments { get; init; } = [];

    /// <summary>The options given, by name (absent options are missing).</summary>
    public IReadOnlyDictionary<string, string> Options { get; }

    /// <summary>Where to print results for people and scripts.</summary>
    public TextWriter Output { get; }

    /// <summary>Where to print errors.</summary>
    public TextWriter Error { get; }

    /// <summary>The running node's control API, scoped to this plugin's endpoints.</summary>
    public IPluginNodeClient Node { get; }
}

/// <summary>Calls the running node's control API from a CLI command.</summary>
public interface IPluginNodeClient
{
    /// <summary>
    /// Sends a request to one of the plugin's endpoints (<paramref name="path"/> is relative to
    /// <c>/v1/plugins/&lt;id&gt;/</c>) with the node's token.
    /// </summary>
    /// <exception cref="MeshException">No node is running for the data directory (<see cref="MeshError.PeerUnreachable"/>).</exception>
    Task<ControlApiResponse> SendAsync(string method, string path, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default);
}
