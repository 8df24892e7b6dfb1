using MeshHost.Sdk;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MeshHostPlugin;

/// <summary>
/// The plugin the host creates (one per node): it answers greetings on a request channel and logs
/// the greetings published on a topic.
/// </summary>
public sealed class Plugin : IMeshPlugin
{
    // The id in plugin.json; channel and topic names start with it by convention.
    private const string Id = "TEMPLATE_PLUGIN_ID";

    public string Name => "MeshHostPlugin";

    // Keep equal to "version" in plugin.json.
    public Version Version { get; } = new(1, 0, 0);

    public void ConfigureServices(IServiceCollection services, IConfiguration configuration)
    {
        // Register the plugin's own services here; the host's logging, configuration and
        // TimeProvider are already in the container.
    }

    public Task StartAsync(IPluginContext context, CancellationToken cancellationToken)
    {
        ILogger logger = context.Logger;
        TimeProvider time = context.Time;

        // What the context opens is the plugin's: the host disposes it when the plugin stops.
        IRequestChannel<Greeting, Greeting> hello = context.OpenRequestChannel<Greeting, Greeting>(Id + "/hello");
        hello.Handle((from, greeting, ct) =>
        {
            logger.LogInformation("{Peer} says: {Text}", from.ToShortString(), greeting.Text);
            return ValueTask.FromResult(new Greeting { Text = "hello back", SentAt = time.GetUtcNow().UtcDateTime });
        });

        ITopic<Greeting> news = context.OpenTopic<Greeting>(Id + "/news");
        news.Subscribe((from, greeting, ct) =>
        {
            logger.LogInformation("{Peer} announced: {Text}", from.ToShortString(), greeting.Text);
            return ValueTask.CompletedTask;
        });

        logger.LogInformation("{Plugin} started on node {Node}", Name, context.LocalId.ToShortString());
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
