namespace MeshHost.Plugins.FileShare.Sharing;

/// <summary>
/// A file's size and last-write time: what is rechecked before a shared file is served in place, so a
/// file edited after it was shared stops being served instead of sending blocks every peer rejects.
/// </summary>
internal readonly record struct FileStamp(long Size, long LastWriteTicks)
{
    /// <summary>The stamp of the file at <paramref name="path"/>; (-1, 0) when it is gone.</summary>
    public static FileStamp Of(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? new FileStamp(info.Length, info.LastWriteTimeUtc.Ticks) : new FileStamp(-1, 0);
    }
}
