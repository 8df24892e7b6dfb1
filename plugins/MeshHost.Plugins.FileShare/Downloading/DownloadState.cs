namespace MeshHost.Plugins.FileShare.Downloading;

/// <summary>Where a download is.</summary>
internal enum DownloadState
{
    /// <summary>Looking for providers and fetching the metadata.</summary>
    Searching,

    /// <summary>Fetching pieces.</summary>
    Downloading,

    /// <summary>Every file verified and under its final name; the share is seeded.</summary>
    Complete,

    /// <summary>Stopped by the user or by shutdown; the part files are kept for resume.</summary>
    Stopped,

    /// <summary>Failed (disk full, permissions, no provider...); the part files are kept for resume.</summary>
    Failed,
}
