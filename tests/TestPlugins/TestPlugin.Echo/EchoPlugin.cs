using System.Globalization;
using MeshHost.MessagePack;
using MeshHost.Sdk;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TestPlugin.Echo;

/// <summary>A note on the echo channel; the text "throw" makes the handler throw.</summary>
[MessagePackObject]
public sealed partial record EchoNote
{
    [Key(0)] public string Text { get; init; } = "";
}

/// <summary>Counts what the plugin received; a service in the plugin's own container.</summary>
public sealed class EchoState
{
    private int _received;

    public int Received => Volatile.Read(ref _received);

    public void Add() => Interlocked.Increment(ref _received);
}

/// <summary>Opens one of everything the context offers and leaves most of it for the host to release.</summary>
public sealed class EchoPlugin : IMeshPlugin, IControlApiContributor, ICliContributor
{
    private EchoState? _state;
    private string _greeting = "";

    public string Name => "Echo";

    public Version Version { get; } = new(typeof(EchoPlugin).Assembly.GetName().Version!.ToString(3));

    public void ConfigureServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<EchoState>();
        _greeting = configuration["Greeting"] ?? "hello";
    }

    public Task StartAsync(IPluginContext context, CancellationToken cancellationToken)
    {
        EchoState state = context.Services.GetRequiredService<EchoState>();
        _state = state;
        ILogger logger = context.Services.GetRequiredService<ILogger<EchoPlugin>>();
        IChannel<EchoNote> notes = context.OpenChannel<EchoNote>(context.PluginId + "/notes");
        notes.OnReceived((from, note, ct) =>
        {
            if (note.Text == "throw")
            {
                throw new InvalidOperationException("asked to throw");
            }

            state.Add();
            return ValueTask.CompletedTask;
        });
        IRequestChannel<EchoNote, EchoNote> rpc = context.OpenRequestChannel<EchoNote, EchoNote>(context.PluginId + "/rpc");
        rpc.Handle((from, note, ct) => ValueTask.FromResult(new EchoNote { Text = $"{note.Text} from {Version}" }));
        ITopic<EchoNote> topic = context.OpenTopic<EchoNote>(context.PluginId + "/topic");
        topic.Subscribe((from, note, ct) =>
        {
            state.Add();
            return ValueTask.CompletedTask;
        });
        context.Peers.PeerJoined += peer => logger.LogDebug("peer {Peer} joined", peer.ToShortString());
        _ = context.Time.CreateTimer(_ => state.Add(), null, TimeSpan.FromHours(1), TimeSpan.FromHours(1));
        File.WriteAllText(Path.Combine(context.DataDirectory, "started.txt"), Version.ToString());
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void MapEndpoints(IControlApiBuilder api)
    {
        api.Map("GET", "status", (request, ct) => Task.FromResult(ControlApiResponse.Json(
            $"{{\"version\":\"{Version}\",\"received\":{(_state?.Received ?? 0).ToString(CultureInfo.InvariantCulture)},\"greeting\":\"{_greeting}\"}}")));
        api.Map("GET", "items/{name}", (request, ct) => Task.FromResult(ControlApiResponse.Json($"{{\"name\":\"{request.RouteValues["name"]}\"}}")));
        api.Map("POST", "fail", (request, ct) => throw new InvalidOperationException("the endpoint failed on purpose"));
    }

    public void AddCommands(ICliBuilder cli)
    {
        cli.AddCommand(StatusCommand());

        // SDK 1.1: a varying number of positional arguments after the declared ones.
        cli.AddCommand(new PluginCommand
        {
            Name = "echo-words",
            Description = "Prints its first argument and the remaining ones, separated by '|'.",
            Arguments = [new PluginCommandArgument("first", "The first word.")],
            RemainingArguments = new PluginCommandArgument("rest", "Any further words."),
            Run = (context, ct) =>
            {
                context.Output.WriteLine(string.Join('|', [context.Arguments["first"], .. context.RemainingArguments]));
                return Task.FromResult(0);
            },
        });
    }

    private static PluginCommand StatusCommand() => new()
    {
        Name = "echo-status",
        Description = "Prints the echo plugin's status from the running node.",
        Options = [new PluginCommandArgument("item", "An item name to look up instead.")],
        Run = async (context, ct) =>
        {
            string path = context.Options.TryGetValue("item", out string? item) ? "items/" + item : "status";
            ControlApiResponse response = await context.Node.SendAsync("GET", path, ReadOnlyMemory<byte>.Empty, ct).ConfigureAwait(false);
            context.Output.WriteLine(System.Text.Encoding.UTF8.GetString(response.Body.Span));
            return response.StatusCode == 200 ? 0 : 1;
        },
    };
}
