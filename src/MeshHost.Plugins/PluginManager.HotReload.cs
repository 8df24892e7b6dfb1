namespace MeshHost.Plugins;

public sealed partial class PluginManager
{
    /// <summary>Watches a plugin's folder (once): a change, after <see cref="PluginManagerOptions.ReloadDebounce"/> of quiet, reloads the plugin.</summary>
    private void Watch(Entry entry)
    {
        if (!_options.HotReload || entry.Watcher is not null || _disposed)
        {
            return;
        }

        try
        {
            var watcher = new FileSystemWatcher(entry.Folder)
            {
                IncludeSubdirectories = true,
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
            };
            string folder = entry.Folder;
            watcher.Changed += (_, _) => OnFolderChanged(folder);
            watcher.Created += (_, _) => OnFolderChanged(folder);
            watcher.Deleted += (_, _) => OnFolderChanged(folder);
            watcher.Renamed += (_, _) => OnFolderChanged(folder);
            watcher.Error += (_, e) => PluginLog.WatchFailed(_logger, folder, e.GetException());
            entry.Debounce = _environment.Time.CreateTimer(static state => ((Action)state!)(), (Action)(() => ReloadChangedFolder(folder)), Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            entry.Watcher = watcher;
            watcher.EnableRaisingEvents = true;
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            PluginLog.WatchFailed(_logger, entry.Folder, e);
        }
    }

    private void OnFolderChanged(string folder)
    {
        Entry? entry;
        lock (_entriesLock)
        {
            _byFolder.TryGetValue(folder, out entry);
        }

        entry?.Debounce?.Change(_options.ReloadDebounce, Timeout.InfiniteTimeSpan);
    }

    private void ReloadChangedFolder(string folder)
    {
        Task reload = ReloadFolderAsync(folder);
        _ = reload.ContinueWith(
            static (t, state) => PluginLog.ReloadFailed(((LogTarget)state!).Logger, ((LogTarget)state!).Name, t.Exception!),
            new LogTarget(_logger, folder),
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private async Task ReloadFolderAsync(string folder)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            Entry? entry;
            lock (_entriesLock)
            {
                _byFolder.TryGetValue(folder, out entry);
            }

            if (_disposed || entry is null || entry.UnloadedByRequest)
            {
                return;
            }

            PluginLog.Reloading(_logger, folder);
            await ReloadCoreAsync(entry, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private void StopWatching()
    {
        foreach (Entry entry in Snapshot())
        {
            entry.Watcher?.Dispose();
            entry.Watcher = null;
            entry.Debounce?.Dispose();
            entry.Debounce = null;
        }
    }

    /// <summary>What a continuation that logs a failure needs, without capturing the manager.</summary>
    private sealed record LogTarget(Microsoft.Extensions.Logging.ILogger Logger, string Name);
}
