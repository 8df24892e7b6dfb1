using MeshHost.Plugins.Runtime;
using MeshHost.Sdk;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MeshHost.Plugins;

/// <summary>
/// One plugin object and its life on a node: <see cref="StartAsync"/> builds its own service
/// container, creates its data directory and <see cref="PluginContext"/> and starts it (with a
/// timeout); <see cref="StopAsync(CancellationToken)"/> stops it (with a timeout) and releases whatever it left open.
/// An instance runs once: Loaded → Running → Stopped or Faulted. To run a plugin again, create a new
/// instance with a new plugin object.
/// </summary>
/// <remarks>
/// Thread-safe. A plugin whose handlers throw more than <see cref="PluginRuntimeOptions.MaxFaults"/>
/// times within <see cref="PluginRuntimeOptions.FaultWindow"/> is stopped by the instance itself and
/// ends <see cref="PluginState.Faulted"/>. No member throws because of the plugin: failures show in
/// <see cref="State"/> and <see cref="Reason"/>.
/// </remarks>
public sealed class PluginInstance : IAsyncDisposable
{
    private readonly PluginEnvironment _environment;
    private readonly ILogger _logger;
    private readonly FaultMonitor _faults;
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private volatile PluginState _state = PluginState.Loaded;
    private string? _reason;
    private CancellationTokenSource? _stopping;
    private ResourceTracker? _tracker;
    private ServiceProvider? _services;
    private PluginContext? _context;
    private PluginEndpoint[] _endpoints = [];

    /// <summary>Wraps a plugin object (already instantiated) for the node in <paramref name="environment"/>.</summary>
    /// <exception cref="ArgumentException">The environment's options are out of range.</exception>
    public PluginInstance(PluginManifest manifest, IMeshPlugin plugin, PluginEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(plugin);
        ArgumentNullException.ThrowIfNull(environment);
        environment.Options.Validate();
        Manifest = manifest;
        Plugin = plugin;
        _environment = environment;
        _logger = environment.LoggerFactory.CreateLogger("MeshHost.Plugins");
        _faults = new FaultMonitor(manifest.Id, _logger, environment.Time, environment.Options, OnFaultLimit);
    }

    /// <summary>Raised after every change of <see cref="State"/>, on the thread that made it. Handlers must not throw.</summary>
    public event Action<PluginInstance>? StateChanged;

    /// <summary>The plugin's id (from its manifest).</summary>
    public string Id => Manifest.Id;

    /// <summary>The plugin's manifest.</summary>
    public PluginManifest Manifest { get; }

    /// <summary>The plugin object.</summary>
    public IMeshPlugin Plugin { get; }

    /// <summary>Where the plugin is in its life.</summary>
    public PluginState State => _state;

    /// <summary>Why the plugin is in its state, for people; null while loaded or running.</summary>
    public string? Reason => Volatile.Read(ref _reason);

    /// <summary>Every handler fault counted against the plugin (exceptions caught from its handlers).</summary>
    public long FaultCount => _faults.Total;

    /// <summary>The plugin's context while it runs; null before start and after stop.</summary>
    public PluginContext? Context => Volatile.Read(ref _context);

    /// <summary>The plugin's service provider while it runs; null before start and after stop.</summary>
    public IServiceProvider? Services => Volatile.Read(ref _services);

    /// <summary>The control API endpoints the plugin mapped; empty unless it is running.</summary>
    public IReadOnlyList<PluginEndpoint> Endpoints => Volatile.Read(ref _endpoints);

    /// <summary>
    /// Configures and starts the plugin. Ends <see cref="PluginState.Running"/>, or
    /// <see cref="PluginState.Faulted"/> with a reason when <c>ConfigureServices</c>, the data
    /// directory, <c>StartAsync</c> (an exception, or longer than <see cref="PluginRuntimeOptions.StartTimeout"/>)
    /// or <c>MapEndpoints</c> failed; what it opened is then released.
    /// </summary>
    /// <exception cref="InvalidOperationException">The instance was already started.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (State != PluginState.Loaded)
            {
                throw new InvalidOperationException($"Plugin {Id} was already started (it is {State}); create a new instance to run it again.");
            }

            string? failure = await StartCoreAsync(cancellationToken).ConfigureAwait(false);
            if (failure is null)
            {
                PluginLog.Started(_logger, Id, Manifest.Version.ToString());
                SetState(PluginState.Running, null);
            }
            else
            {
                await ReleaseAsync().ConfigureAwait(false);
                SetState(PluginState.Faulted, failure);
            }
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>
    /// Stops a running plugin: cancels <see cref="IPluginContext.Stopping"/>, removes its endpoints,
    /// awaits <c>StopAsync</c> (at most <see cref="PluginRuntimeOptions.StopTimeout"/>), then disposes
    /// everything it left open and its service provider. Ends <see cref="PluginState.Stopped"/>.
    /// Does nothing unless the plugin is running.
    /// </summary>
    public Task StopAsync(CancellationToken cancellationToken = default) =>
        StopCoreAsync(PluginState.Stopped, "stopped", cancellationToken);

    /// <summary>As <see cref="StopAsync(CancellationToken)"/>, with the <see cref="Reason"/> to show afterwards (for example "unloaded on request").</summary>
    public Task StopAsync(string reason, CancellationToken cancellationToken = default) =>
        StopCoreAsync(PluginState.Stopped, reason, cancellationToken);

    /// <summary>Stops the plugin if it runs.</summary>
    public ValueTask DisposeAsync() => new(StopAsync());

    /// <summary>
    /// Answers a control API request for one of the plugin's endpoints: <paramref name="path"/> is
    /// relative to <c>/v1/plugins/&lt;id&gt;/</c>. A JSON 404 when the plugin is not running or no
    /// endpoint matches; a JSON 500 (counted as a fault) when the handler throws.
    /// </summary>
    public Task<ControlApiResponse> InvokeEndpointAsync(string method, string path, IReadOnlyDictionary<string, string> query, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(query);
        if (State != PluginState.Running)
        {
            return Task.FromResult(ControlApiResponse.Error(404, "not-found", $"Plugin {Id} is not running ({State})."));
        }

        foreach (PluginEndpoint endpoint in Endpoints)
        {
            if (string.Equals(endpoint.Method, method, StringComparison.OrdinalIgnoreCase) && endpoint.TryMatch(path, out IReadOnlyDictionary<string, string> routeValues))
            {
                return endpoint.Handler(new ControlApiRequest(endpoint.Method, routeValues, query, body), cancellationToken);
            }
        }

        return Task.FromResult(ControlApiResponse.Error(404, "not-found", $"Plugin {Id} has no endpoint {method.ToUpperInvariant()} {path.Trim('/')}."));
    }

    private async Task<string?> StartCoreAsync(CancellationToken cancellationToken)
    {
        PluginEnvironment environment = _environment;
        var stopping = new CancellationTokenSource();
        var tracker = new ResourceTracker();
        var guard = new HandlerGuard(_faults, stopping.Token);
        var time = new TrackingTimeProvider(environment.Time, tracker, guard);
        string section = ConfigurationPath.Combine("Plugins", Id);
        IConfiguration configuration = environment.Configuration?.GetSection(section) ?? new EmptyConfiguration(section);
        _stopping = stopping;
        _tracker = tracker;

        var services = new ServiceCollection();
        services.AddSingleton(environment.LoggerFactory);
        services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        services.AddSingleton<TimeProvider>(time);
        services.AddSingleton(configuration);
        services.AddSingleton<IPluginContext>(_ => Context ?? throw new InvalidOperationException($"Plugin {Id} is not running."));
        services.AddSingleton<IMesh>(sp => sp.GetRequiredService<IPluginContext>());
        try
        {
            Plugin.ConfigureServices(services, configuration);
            _services = services.BuildServiceProvider();
        }
        catch (Exception e)
        {
            return Failed("ConfigureServices threw", e);
        }

        string dataDirectory = environment.PluginDataDirectory(Id);
        try
        {
            Directory.CreateDirectory(dataDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Failed($"its data directory {dataDirectory} cannot be created", e);
        }

        var context = new PluginContext(Id, environment.Mesh, dataDirectory, environment.LoggerFactory.CreateLogger("Plugin." + Id), configuration, _services, time, tracker, guard, stopping.Token);
        Volatile.Write(ref _context, context);
        TimeSpan timeout = environment.Options.StartTimeout;
        using var deadline = new CancellationTokenSource(timeout, environment.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            await Plugin.StartAsync(context, linked.Token).WaitAsync(timeout, environment.Time, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException || (e is OperationCanceledException && deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested))
        {
            return Failed($"StartAsync did not finish within {timeout}", null);
        }
        catch (OperationCanceledException e) when (cancellationToken.IsCancellationRequested)
        {
            return Failed("the host cancelled the start", e);
        }
        catch (Exception e)
        {
            return Failed("StartAsync threw", e);
        }

        if (Plugin is IControlApiContributor contributor)
        {
            var builder = new EndpointBuilder(guard);
            try
            {
                contributor.MapEndpoints(builder);
            }
            catch (Exception e)
            {
                return Failed("MapEndpoints threw", e);
            }

            Volatile.Write(ref _endpoints, builder.Endpoints.ToArray());
        }

        return null;
    }

    private string Failed(string what, Exception? exception)
    {
        string reason = exception is null ? what : $"{what} {exception.GetType().Name}: {exception.Message}";
        PluginLog.StartFailed(_logger, Id, reason, exception);
        return reason;
    }

    private async Task StopCoreAsync(PluginState finalState, string reason, CancellationToken cancellationToken)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (State != PluginState.Running)
            {
                return;
            }

            Volatile.Write(ref _endpoints, []);
            string? problem = CancelStopping();
            TimeSpan timeout = _environment.Options.StopTimeout;
            try
            {
                using var deadline = new CancellationTokenSource(timeout, _environment.Time);
                await Plugin.StopAsync(deadline.Token).WaitAsync(timeout, _environment.Time, CancellationToken.None).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                problem = $"StopAsync did not finish within {timeout}";
                PluginLog.StopFailed(_logger, Id, problem, null);
            }
            catch (Exception e)
            {
                problem = $"StopAsync threw {e.GetType().Name}: {e.Message}";
                PluginLog.StopFailed(_logger, Id, problem, e);
            }

            await ReleaseAsync().ConfigureAwait(false);
            string finalReason = problem is null ? reason : $"{reason}; {problem}";
            PluginLog.Stopped(_logger, Id, finalState, finalReason);
            SetState(finalState, finalReason);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Cancels <see cref="IPluginContext.Stopping"/>; a callback the plugin registered on it may throw.</summary>
    private string? CancelStopping()
    {
        try
        {
            _stopping?.Cancel();
            return null;
        }
        catch (AggregateException e)
        {
            PluginLog.StopFailed(_logger, Id, "a callback on Stopping threw", e);
            return "a callback on Stopping threw " + e.InnerException?.GetType().Name;
        }
    }

    /// <summary>Disposes what the plugin left open, newest first, then its services; drops every reference into the plugin's code.</summary>
    private async Task ReleaseAsync()
    {
        _ = CancelStopping();
        if (_tracker is { } tracker)
        {
            List<TrackedResource> left = tracker.CloseAll();
            foreach (TrackedResource resource in left)
            {
                try
                {
                    resource.Dispose();
                }
                catch (Exception e)
                {
                    PluginLog.ReleaseFailed(_logger, Id, e);
                }
            }

            if (left.Count > 0)
            {
                PluginLog.ReleasedLeftovers(_logger, Id, left.Count);
            }
        }

        if (_services is { } services)
        {
            try
            {
                await services.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception e)
            {
                PluginLog.ReleaseFailed(_logger, Id, e);
            }
        }

        _stopping?.Dispose();
        _stopping = null;
        _tracker = null;
        Volatile.Write(ref _services, null);
        Volatile.Write(ref _context, null);
    }

    private void SetState(PluginState state, string? reason)
    {
        Volatile.Write(ref _reason, reason);
        _state = state;
        StateChanged?.Invoke(this);
    }

    private void OnFaultLimit(string reason)
    {
        // Not inline: the fault was reported from inside one of the plugin's handlers, which the stop disposes.
        Task stop = Task.Run(() => StopCoreAsync(PluginState.Faulted, "faulted: " + reason, CancellationToken.None));
        _ = stop.ContinueWith(
            static (t, state) => PluginLog.FaultStopFailed(((PluginInstance)state!)._logger, ((PluginInstance)state!).Id, t.Exception!),
            this,
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }
}
