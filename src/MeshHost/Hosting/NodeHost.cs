using MeshHost.Configuration;
using MeshHost.Control;
using MeshHost.Mesh;
using MeshHost.Ping;
using MeshHost.Plugins;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace MeshHost.Hosting;

/// <summary>
/// The process of <c>meshhost run</c>: one generic host (a <see cref="WebApplication"/>) holding
/// the node, the control API and the plugins; the console lifetime turns Ctrl+C and SIGTERM
/// into a clean stop.
/// </summary>
internal sealed class NodeHost : IAsyncDisposable
{
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);

    private readonly WebApplication _app;
    private readonly CliConsole _console;

    private NodeHost(WebApplication app, CliConsole console)
    {
        _app = app;
        _console = console;
    }

    /// <summary>Prepares the data directory and composes the host; nothing is started yet.</summary>
    /// <exception cref="UsageException">The data directory cannot be created.</exception>
    /// <exception cref="AlreadyRunningException">A node already runs for the data directory.</exception>
    public static async Task<NodeHost> CreateAsync(IConfiguration configuration, MeshNodeOptions options, CliConsole console, CancellationToken cancellationToken)
    {
        string dataDirectory = options.DataDirectory;
        PluginSettings plugins = PluginSettings.Read(configuration, dataDirectory);
        string token;
        bool tightened;
        try
        {
            DataDirectory.Create(dataDirectory);
            await ThrowIfRunningAsync(dataDirectory, cancellationToken).ConfigureAwait(false);
            (token, tightened) = ControlToken.LoadOrCreate(dataDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"Cannot use the data directory {dataDirectory}: {e.Message}", e);
        }

        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [],
            ApplicationName = "meshhost",
            ContentRootPath = dataDirectory,
        });

        // Only our layers: the builder's defaults would also read unprefixed environment variables and appsettings.json.
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddConfiguration(configuration);

        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting", LogLevel.Warning);
        builder.Logging.AddConfiguration(configuration.GetSection("Logging"));
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });

        // Logs go to stderr; stdout carries only what the command prints for people and scripts.
        builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownTimeout);

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(console);
        builder.Services.AddSingleton<MeshNodeService>();
        builder.Services.AddHostedService(static sp => sp.GetRequiredService<MeshNodeService>());
        builder.Services.AddSingleton<INodeControl, MeshNodeControl>();
        builder.Services.AddSingleton<EchoService>();
        builder.Services.AddHostedService(static sp => sp.GetRequiredService<EchoService>());
        builder.Services.AddSingleton<IControlApiModule, PingControlApiModule>();
        builder.Services.AddSingleton(plugins);
        builder.Services.AddSingleton<PluginHostService>();
        builder.Services.AddHostedService(static sp => sp.GetRequiredService<PluginHostService>());
        builder.Services.AddSingleton<IPluginManagerAccessor>(static sp => sp.GetRequiredService<PluginHostService>());
        builder.Services.AddSingleton<IControlApiModule, PluginControlApiModule>();
        builder.Services.AddHostedService<ControlFilePublisher>();
        builder.AddControlApi(token);

        WebApplication app = builder.Build();
        app.MapControlApi();
        if (tightened)
        {
            HostLog.TokenFileTightened(app.Logger, ControlToken.PathIn(dataDirectory));
        }

        return new NodeHost(app, console);
    }

    /// <summary>Runs until the host is told to stop (Ctrl+C, SIGTERM).</summary>
    /// <returns><see cref="ExitCodes.Success"/> after a clean stop, <see cref="ExitCodes.Failure"/> when the node did not start.</returns>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _console.Error.WriteLine("meshhost: the node did not start: " + e.Message);
            await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        await _app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        return ExitCodes.Success;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    /// <summary>Refuses a second node on one data directory: both would claim the same identity.</summary>
    private static async Task ThrowIfRunningAsync(string dataDirectory, CancellationToken cancellationToken)
    {
        if (ControlFileStore.TryRead(dataDirectory) is not { } file || file.Pid == Environment.ProcessId)
        {
            return;
        }

        using CancellationTokenSource timeout = new(ProbeTimeout, TimeProvider.System);
        using CancellationTokenSource linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            using ControlClient client = ControlClient.Open(dataDirectory);
            _ = await client.GetAsync("id", linked.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NodeNotRunningException or HttpRequestException || e is OperationCanceledException && timeout.IsCancellationRequested)
        {
            return; // a stale file: the node that wrote it is gone
        }

        throw new AlreadyRunningException($"A node is already running for data directory {dataDirectory} (process {file.Pid}). Stop it first, or use another --data-dir.");
    }
}

/// <summary>Another live node owns the data directory.</summary>
internal sealed class AlreadyRunningException : Exception
{
    public AlreadyRunningException(string message)
        : base(message)
    {
    }
}
