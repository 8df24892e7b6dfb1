using MeshHost.Plugins;

namespace MeshHost.Sdk.Testing;

/// <summary>
/// A plugin loaded into a <see cref="TestNode"/>, running through the host's plugin runtime: the
/// lifecycle, the release of what it opened on stop, and the fault isolation are the host's own.
/// </summary>
/// <remarks>Thread-safe for reading. The members that return a task move the mesh's clock until they complete.</remarks>
public abstract class TestPlugin
{
    private readonly TestMesh _mesh;

    private protected TestPlugin(TestMesh mesh, TestNode node, PluginInstance instance)
    {
        _mesh = mesh;
        Node = node;
        Instance = instance;
    }

    /// <summary>The plugin's id (its configuration section is <c>Plugins:&lt;id&gt;</c>).</summary>
    public string Id => Instance.Id;

    /// <summary>The node it runs on.</summary>
    public TestNode Node { get; }

    /// <summary>Where it is in its life: <c>Running</c> once started; <c>Faulted</c> when its start failed or it faulted too often; <c>Stopped</c> after <see cref="StopAsync"/>.</summary>
    public PluginState State => Instance.State;

    /// <summary>Why it is in its state (the start's exception, the fault that stopped it), for assertion messages; null while running.</summary>
    public string? Reason => Instance.Reason;

    /// <summary>
    /// How many exceptions its handlers threw (channel, request, topic, peer-event, timer and control
    /// API handlers), each caught, logged and counted by the runtime. Past
    /// <see cref="PluginRuntimeOptions.MaxFaults"/> within <see cref="PluginRuntimeOptions.FaultWindow"/>
    /// the runtime stops the plugin as <c>Faulted</c>.
    /// </summary>
    public long FaultCount => Instance.FaultCount;

    /// <summary>The context the plugin was started with; null before start and once stopped.</summary>
    public IPluginContext? Context => Instance.Context;

    /// <summary>How many channels, topics, handlers, subscriptions, timers and provided keys it has open now; 0 once stopped (the runtime released them).</summary>
    public int OpenResourceCount => Instance.Context?.OpenResourceCount ?? 0;

    private protected PluginInstance Instance { get; }

    /// <summary>
    /// Stops it as the host does: cancels <see cref="IPluginContext.Stopping"/>, awaits its
    /// <c>StopAsync</c> (at most the runtime's stop timeout), then releases whatever it left open.
    /// Peers then see its channels closed. Does nothing unless it is running.
    /// </summary>
    public Task StopAsync(CancellationToken cancellationToken = default) =>
        _mesh.WaitAsync(Instance.StopAsync(cancellationToken), _mesh.Options.OperationTimeout, cancellationToken);

    /// <summary>
    /// Calls one of its control API endpoints as the node would serve it: <paramref name="path"/> is
    /// relative to <c>/v1/plugins/&lt;id&gt;/</c> and may carry a query (<c>files?limit=5</c>).
    /// </summary>
    /// <returns>The response; a JSON 404 when it is not running or no endpoint matches, a JSON 500 (counted as a fault) when the handler throws.</returns>
    public Task<ControlApiResponse> InvokeAsync(string method, string path, ReadOnlyMemory<byte> body = default, CancellationToken cancellationToken = default) =>
        _mesh.WaitAsync(TestNodeClient.SendAsync(Instance, method, path, body, cancellationToken), _mesh.Options.OperationTimeout, cancellationToken);

    /// <summary>
    /// Runs one of its CLI commands (<see cref="ICliContributor"/>) against this node, as
    /// <c>meshhost NAME ...</c> would: its <see cref="PluginCommandContext.Node"/> reaches this
    /// plugin's endpoints in process.
    /// </summary>
    /// <param name="name">The command's name.</param>
    /// <param name="arguments">Positional arguments by name; each the command declares is required.</param>
    /// <param name="options">Options by name (without <c>--</c>).</param>
    /// <param name="cancellationToken">Passed to the command.</param>
    /// <exception cref="InvalidOperationException">The plugin contributes no command of that name.</exception>
    /// <exception cref="ArgumentException">A declared argument is missing, or an argument or option is not declared.</exception>
    public Task<TestCommandResult> RunCommandAsync(string name, IReadOnlyDictionary<string, string>? arguments = null, IReadOnlyDictionary<string, string>? options = null, CancellationToken cancellationToken = default) =>
        RunCommandAsync(name, [], arguments, options, cancellationToken);

    /// <summary>
    /// Runs a command that takes <see cref="PluginCommand.RemainingArguments"/>, as
    /// <see cref="RunCommandAsync(string, IReadOnlyDictionary{string, string}?, IReadOnlyDictionary{string, string}?, CancellationToken)"/> does (since 1.1).
    /// </summary>
    /// <exception cref="ArgumentException">Remaining arguments were given to a command that declares none.</exception>
    public async Task<TestCommandResult> RunCommandAsync(string name, IReadOnlyList<string> remainingArguments, IReadOnlyDictionary<string, string>? arguments = null, IReadOnlyDictionary<string, string>? options = null, CancellationToken cancellationToken = default)
    {
        PluginCommand command = TestNodeClient.FindCommand(Instance, name);
        arguments ??= new Dictionary<string, string>();
        options ??= new Dictionary<string, string>();
        TestNodeClient.CheckInput(command, arguments, options);
        using var output = new StringWriter();
        using var error = new StringWriter();
        ArgumentNullException.ThrowIfNull(remainingArguments);
        if (remainingArguments.Count > 0 && command.RemainingArguments is null)
        {
            throw new ArgumentException($"'{name}' takes no further arguments.", nameof(remainingArguments));
        }

        var context = new PluginCommandContext(arguments, options, output, error, new TestNodeClient(Instance)) { RemainingArguments = remainingArguments };
        int exitCode = await _mesh.WaitAsync(command.Run(context, cancellationToken), _mesh.Options.OperationTimeout, cancellationToken).ConfigureAwait(false);
        return new TestCommandResult(exitCode, output.ToString(), error.ToString());
    }
}

/// <summary>A loaded plugin with its object, for calling the plugin's own members.</summary>
/// <typeparam name="TPlugin">The plugin's type.</typeparam>
public sealed class TestPlugin<TPlugin> : TestPlugin
    where TPlugin : IMeshPlugin
{
    internal TestPlugin(TestMesh mesh, TestNode node, PluginInstance instance)
        : base(mesh, node, instance)
    {
    }

    /// <summary>The plugin object the runtime started (and, once stopped, the one it stopped).</summary>
    public TPlugin Plugin => (TPlugin)Instance.Plugin;
}

/// <summary>What a CLI command run by <see cref="TestPlugin.RunCommandAsync(string, IReadOnlyDictionary{string, string}?, IReadOnlyDictionary{string, string}?, CancellationToken)"/> did.</summary>
/// <param name="ExitCode">Its exit code: 0 for success.</param>
/// <param name="Output">What it wrote to standard output.</param>
/// <param name="Error">What it wrote to standard error.</param>
public sealed record TestCommandResult(int ExitCode, string Output, string Error);
