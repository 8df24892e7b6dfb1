using MeshHost.Plugins.Loading;
using MeshHost.Sdk;
using Microsoft.Extensions.Logging;

namespace MeshHost.Plugins;

/// <summary>
/// Runs the plugins installed in a node's plugin directories: discovers their folders, checks their
/// manifests and SDK versions, loads each into its own collectible load context, starts them in
/// dependency order, stops, unloads and reloads them (on request, or when a folder changes), and
/// routes control API requests to their endpoints. A plugin that fails never stops the others or the host.
/// </summary>
/// <remarks>Thread-safe: operations run one at a time.</remarks>
public sealed partial class PluginManager : IAsyncDisposable
{
    private readonly PluginEnvironment _environment;
    private readonly PluginManagerOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, Entry> _byFolder = new(StringComparer.Ordinal);
    private readonly Lock _entriesLock = new();
    private bool _disposed;

    /// <summary>Creates a manager; nothing is loaded until <see cref="StartAllAsync"/>.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public PluginManager(PluginEnvironment environment, PluginManagerOptions options)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(options);
        environment.Options.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.ReloadDebounce, TimeSpan.Zero, nameof(options.ReloadDebounce));
        _environment = environment;
        _options = options;
        _logger = environment.LoggerFactory.CreateLogger("MeshHost.Plugins");
    }

    /// <summary>True for a valid plugin id: 1 to 64 of lower-case letters, digits, '.', '-' and '_'.</summary>
    public static bool IsValidId(string? id) => ManifestReader.IsValidId(id);

    /// <summary>The directories searched for plugin folders, as full paths.</summary>
    public IReadOnlyList<string> Directories => [.. _options.Directories.Select(Path.GetFullPath)];

    /// <summary>Every plugin folder found, sorted by id.</summary>
    public IReadOnlyList<PluginStatus> List()
    {
        lock (_entriesLock)
        {
            return [.. _byFolder.Values.Select(e => e.Status()).OrderBy(s => s.Id, StringComparer.Ordinal)];
        }
    }

    /// <summary>The plugin with <paramref name="id"/>, or null.</summary>
    public PluginStatus? Find(string id) => FindById(id)?.Status();

    /// <summary>Discovers every plugin folder and starts every plugin that fits, dependencies first; watches the folders when hot reload is on.</summary>
    public Task StartAllAsync(CancellationToken cancellationToken = default) =>
        ExclusiveAsync(
            async () =>
            {
                Scan();
                foreach (Entry entry in Snapshot())
                {
                    if (!entry.UnloadedByRequest)
                    {
                        await EnsureStartedAsync(entry, [], cancellationToken).ConfigureAwait(false);
                    }
                }

                return true;
            },
            cancellationToken);

    /// <summary>Finds (scanning the directories again) and starts the plugin with <paramref name="id"/>, and what it depends on.</summary>
    /// <returns>Its status; null when no folder holds a plugin with that id.</returns>
    public Task<PluginStatus?> LoadAsync(string id, CancellationToken cancellationToken = default) =>
        ExclusiveAsync(
            async () =>
            {
                Scan();
                if (FindById(id) is not { } entry)
                {
                    return null;
                }

                entry.UnloadedByRequest = false;
                await EnsureStartedAsync(entry, [], cancellationToken).ConfigureAwait(false);
                return entry.Status();
            },
            cancellationToken);

    /// <summary>Stops the plugin (and the running plugins that depend on it) and unloads its assembly; hot reload leaves it alone until it is loaded again.</summary>
    /// <returns>Its status; null when there is no plugin with that id.</returns>
    public Task<PluginStatus?> UnloadAsync(string id, CancellationToken cancellationToken = default) =>
        ExclusiveAsync(
            async () =>
            {
                if (FindById(id) is not { } entry)
                {
                    return null;
                }

                await StopDependentsAsync(entry, cancellationToken).ConfigureAwait(false);
                await StopAndUnloadAsync(entry, "unloaded on request").ConfigureAwait(false);
                entry.UnloadedByRequest = true;
                return entry.Status();
            },
            cancellationToken);

    /// <summary>Stops and unloads the plugin, reads its folder again and starts the new build; the plugins that depend on it are restarted too.</summary>
    /// <returns>Its status; null when there is no plugin with that id.</returns>
    public Task<PluginStatus?> ReloadAsync(string id, CancellationToken cancellationToken = default) =>
        ExclusiveAsync(
            async () => FindById(id) is { } entry ? await ReloadCoreAsync(entry, cancellationToken).ConfigureAwait(false) : null,
            cancellationToken);

    /// <summary>
    /// Answers a control API request for plugin <paramref name="id"/>; <paramref name="path"/> is
    /// relative to <c>/v1/plugins/&lt;id&gt;/</c>. A JSON 404 when there is no such running plugin or endpoint.
    /// </summary>
    public Task<ControlApiResponse> InvokeEndpointAsync(string id, string method, string path, IReadOnlyDictionary<string, string> query, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
    {
        PluginInstance? instance = FindById(id)?.Instance;
        return instance is null
            ? Task.FromResult(ControlApiResponse.Error(404, "not-found", $"No plugin '{id}' is running."))
            : instance.InvokeEndpointAsync(method, path, query, body, cancellationToken);
    }

    /// <summary>Stops every plugin (dependents first) and unloads them all.</summary>
    public Task StopAllAsync(CancellationToken cancellationToken = default) =>
        ExclusiveAsync(
            async () =>
            {
                foreach (Entry entry in Snapshot())
                {
                    await StopDependentsAsync(entry, cancellationToken).ConfigureAwait(false);
                    await StopAndUnloadAsync(entry, "the host stopped").ConfigureAwait(false);
                }

                return true;
            },
            cancellationToken);

    /// <summary>Stops watching, stops and unloads every plugin. Later operations throw <see cref="ObjectDisposedException"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        StopWatching();
        await StopAllAsync().ConfigureAwait(false);
        _disposed = true;
    }

    /// <summary>The running plugin's instance (tests reach the plugin object through it).</summary>
    internal PluginInstance? GetInstance(string id) => FindById(id)?.Instance;

    /// <summary>A weak reference to the plugin's load context, for tests that prove it is collected after unload.</summary>
    internal WeakReference? GetLoadContext(string id) => FindById(id)?.LoadContext is { } context ? new WeakReference(context) : null;

    /// <summary>Runs one operation at a time: plugins start, stop and reload in a known order.</summary>
    private async Task<T> ExclusiveAsync<T>(Func<Task<T>> operation, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return await operation().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<PluginStatus> ReloadCoreAsync(Entry entry, CancellationToken cancellationToken)
    {
        List<Entry> dependents = await StopDependentsAsync(entry, cancellationToken).ConfigureAwait(false);
        await StopAndUnloadAsync(entry, "reloading").ConfigureAwait(false);
        entry.UnloadedByRequest = false;
        Inspect(entry);
        await EnsureStartedAsync(entry, [], cancellationToken).ConfigureAwait(false);
        foreach (Entry dependent in dependents)
        {
            await EnsureStartedAsync(dependent, [], cancellationToken).ConfigureAwait(false);
        }

        return entry.Status();
    }

    /// <summary>Finds new plugin folders and re-reads the manifests of plugins that are not loaded.</summary>
    private void Scan()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string root in Directories)
        {
            foreach (string folder in ManifestReader.ListFolders(root, reason => PluginLog.DirectoryUnreadable(_logger, root, reason)))
            {
                seen.Add(folder);
                Entry entry;
                lock (_entriesLock)
                {
                    if (!_byFolder.TryGetValue(folder, out entry!))
                    {
                        entry = new Entry(folder);
                        _byFolder.Add(folder, entry);
                    }
                }

                if (entry.Instance is null)
                {
                    Inspect(entry);
                }
            }
        }

        lock (_entriesLock)
        {
            foreach (Entry gone in _byFolder.Values.Where(e => !seen.Contains(e.Folder) && e.Instance is null).ToList())
            {
                _byFolder.Remove(gone.Folder);
            }
        }
    }

    /// <summary>Reads the folder's manifest and applies the manifest-level rules: valid, unique id, SDK version.</summary>
    private void Inspect(Entry entry)
    {
        ManifestResult read = ManifestReader.Read(entry.Folder);
        entry.Manifest = null;
        entry.Version = null;
        entry.Description = "";
        entry.Faults = 0;
        if (read.Manifest is not { } manifest)
        {
            entry.Id = Path.GetFileName(entry.Folder);
            entry.SetOutcome(PluginState.Faulted, read.Error!);
            PluginLog.NotLoaded(_logger, entry.Id, entry.Folder, entry.State, entry.Reason!);
            return;
        }

        entry.Id = manifest.Id;
        entry.Version = manifest.Version;
        entry.Description = manifest.Description;
        Entry? other;
        lock (_entriesLock)
        {
            other = _byFolder.Values.FirstOrDefault(e => e != entry && e.Manifest?.Id == manifest.Id);
        }

        string? refusal = other is not null
            ? $"plugin id '{manifest.Id}' is already used by {other.Folder}"
            : SdkCompatibility.CheckManifest(manifest, SdkVersion.Current);
        if (refusal is not null)
        {
            entry.SetOutcome(PluginState.Incompatible, refusal);
            PluginLog.NotLoaded(_logger, entry.Id, entry.Folder, entry.State, refusal);
            return;
        }

        entry.Manifest = manifest;
        entry.SetOutcome(PluginState.Loaded, null);
    }

    /// <summary>Starts <paramref name="entry"/> after its dependencies; false when it is not running at the end.</summary>
    private async Task<bool> EnsureStartedAsync(Entry entry, HashSet<Entry> visiting, CancellationToken cancellationToken)
    {
        if (entry.Instance is { State: PluginState.Running })
        {
            return true;
        }

        if (entry.Manifest is not { } manifest || (entry.State != PluginState.Loaded && !Refresh(entry)))
        {
            return false;
        }

        visiting.Add(entry);
        foreach (PluginDependency dependency in manifest.Dependencies)
        {
            Entry? needed = FindById(dependency.Id);
            string? problem = needed switch
            {
                null => "it is not installed",
                { Manifest: null } => $"it cannot be loaded ({needed.State}: {needed.Reason})",
                _ when needed.Manifest.Version < dependency.MinimumVersion => $"version {needed.Manifest.Version} is installed",
                _ when visiting.Contains(needed) => "the two depend on each other (a dependency cycle)",
                _ => null,
            };
            if (problem is null && !await EnsureStartedAsync(needed!, visiting, cancellationToken).ConfigureAwait(false))
            {
                problem = $"it is not running ({needed!.Status().State}: {needed.Status().Reason})";
            }

            if (problem is not null)
            {
                visiting.Remove(entry);
                entry.SetOutcome(PluginState.Incompatible, $"needs plugin '{dependency.Id}' {dependency.MinimumVersion} or later, but {problem}");
                PluginLog.NotLoaded(_logger, entry.Id, entry.Folder, entry.State, entry.Reason!);
                return false;
            }
        }

        visiting.Remove(entry);
        return await LoadAndStartAsync(entry, manifest, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A plugin that failed before (not loaded now) gets a fresh look at its folder before another try.</summary>
    private bool Refresh(Entry entry)
    {
        if (entry.Instance is not null)
        {
            return false;
        }

        Inspect(entry);
        return entry.Manifest is not null;
    }

    private async Task<bool> LoadAndStartAsync(Entry entry, PluginManifest manifest, CancellationToken cancellationToken)
    {
        LoadOutcome outcome = PluginLoader.Load(entry.Folder, manifest);
        if (outcome.Plugin is null)
        {
            entry.SetOutcome(outcome.State, outcome.Reason!);
            PluginLog.NotLoaded(_logger, entry.Id, entry.Folder, entry.State, entry.Reason!);
            return false;
        }

        var instance = new PluginInstance(manifest, outcome.Plugin, _environment);
        entry.LoadContext = outcome.Context;
        entry.Instance = instance;
        instance.StateChanged += OnInstanceStateChanged;
        await instance.StartAsync(cancellationToken).ConfigureAwait(false);
        if (instance.State == PluginState.Running)
        {
            Watch(entry);
            return true;
        }

        Retire(entry);
        Watch(entry);
        return false;
    }

    /// <summary>Stops the running plugins that depend on <paramref name="entry"/>, dependents of dependents first.</summary>
    private async Task<List<Entry>> StopDependentsAsync(Entry entry, CancellationToken cancellationToken)
    {
        var stopped = new List<Entry>();
        foreach (Entry dependent in Snapshot())
        {
            if (dependent.Instance is { State: PluginState.Running } && dependent.Manifest?.Dependencies.Any(d => d.Id == entry.Id) == true)
            {
                stopped.AddRange(await StopDependentsAsync(dependent, cancellationToken).ConfigureAwait(false));
                await StopAndUnloadAsync(dependent, $"its dependency '{entry.Id}' stopped").ConfigureAwait(false);
                stopped.Add(dependent);
            }
        }

        return stopped;
    }

    private async Task StopAndUnloadAsync(Entry entry, string reason)
    {
        if (entry.Instance is { } instance)
        {
            await instance.StopAsync(reason, CancellationToken.None).ConfigureAwait(false);
            Retire(entry);
            PluginLog.Unloaded(_logger, entry.Id);
        }
    }

    /// <summary>Keeps the stopped instance's outcome, drops every reference to the plugin's code and unloads its context.</summary>
    private void Retire(Entry entry)
    {
        if (entry.Instance is { } instance)
        {
            instance.StateChanged -= OnInstanceStateChanged;
            entry.SetOutcome(instance.State, instance.Reason ?? "stopped");
            entry.Faults = instance.FaultCount;
            entry.Instance = null;
        }

        entry.LoadContext?.Unload();
        entry.LoadContext = null;
    }

    /// <summary>A plugin stopped by its own fault policy is unloaded (under the gate, off the plugin's thread).</summary>
    private void OnInstanceStateChanged(PluginInstance instance)
    {
        if (instance.State != PluginState.Faulted)
        {
            return;
        }

        Task retire = Task.Run(async () =>
        {
            await _gate.WaitAsync().ConfigureAwait(false);
            try
            {
                if (FindById(instance.Id) is { } entry && entry.Instance == instance)
                {
                    await StopDependentsAsync(entry, CancellationToken.None).ConfigureAwait(false);
                    Retire(entry);
                }
            }
            finally
            {
                _gate.Release();
            }
        });
        _ = retire.ContinueWith(
            static (t, state) => PluginLog.FaultStopFailed(((LogTarget)state!).Logger, ((LogTarget)state!).Name, t.Exception!),
            new LogTarget(_logger, instance.Id),
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private Entry? FindById(string id)
    {
        lock (_entriesLock)
        {
            Entry? loose = null;
            foreach (Entry entry in _byFolder.Values)
            {
                if (entry.Manifest?.Id == id)
                {
                    return entry;
                }

                loose ??= entry.Id == id ? entry : null;
            }

            return loose;
        }
    }

    private List<Entry> Snapshot()
    {
        lock (_entriesLock)
        {
            return [.. _byFolder.Values.OrderBy(e => e.Folder, StringComparer.Ordinal)];
        }
    }
}
