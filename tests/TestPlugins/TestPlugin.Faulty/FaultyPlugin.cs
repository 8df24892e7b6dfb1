using MeshHost.Sdk;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace TestPlugin.Faulty;

/// <summary>Fails in the way <c>Plugins:&lt;id&gt;:Mode</c> says; with no mode it behaves.</summary>
public sealed class FaultyPlugin : IMeshPlugin
{
    private string _mode = "";

    public string Name => "Faulty";

    public Version Version { get; } = new(1, 0, 0);

    public void ConfigureServices(IServiceCollection services, IConfiguration configuration) => _mode = configuration["Mode"] ?? "";

    public async Task StartAsync(IPluginContext context, CancellationToken cancellationToken)
    {
        switch (_mode)
        {
            case "start-throws":
                throw new InvalidOperationException("the plugin refuses to start");
            case "start-hangs":
                await Task.Delay(Timeout.InfiniteTimeSpan, context.Time, CancellationToken.None).ConfigureAwait(false);
                break;
            case "timer-throws":
                _ = context.Time.CreateTimer(_ => throw new InvalidOperationException("the timer failed"), null, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(5));
                break;
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        switch (_mode)
        {
            case "stop-throws":
                throw new InvalidOperationException("the plugin refuses to stop");
            case "stop-hangs":
                await Task.Delay(Timeout.InfiniteTimeSpan, CancellationToken.None).ConfigureAwait(false);
                break;
        }
    }
}
