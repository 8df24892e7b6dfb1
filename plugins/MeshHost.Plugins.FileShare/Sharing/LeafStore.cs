using System.Globalization;

namespace MeshHost.Plugins.FileShare.Sharing;

/// <summary>
/// The leaf hashes of shared files, saved when they were hashed (<c>leaves/&lt;file root&gt;.leaves</c> in
/// the plugin's data folder, 32 bytes per 16 KiB block: 2 MiB per GiB shared), so a seeder builds a
/// block's proof from them instead of hashing the piece it serves. Files smaller than
/// <see cref="MinimumFileSize"/> get none (hashing them on request costs little, and a folder of many
/// small files would otherwise leave as many leaf files). Files are named by content, so two shares of
/// the same file use one; <see cref="Prune"/> deletes those no share uses. Thread-safe.
/// </summary>
internal sealed class LeafStore
{
    /// <summary>Files from this size on get a leaf file.</summary>
    public const long MinimumFileSize = 1 << 20;

    private const string Extension = ".leaves";
    private const string TemporaryExtension = ".tmp";

    public LeafStore(string directory) => Directory = directory;

    /// <summary>The folder the leaf files are in.</summary>
    public string Directory { get; }

    /// <summary>The leaf file of the file whose Merkle root is <paramref name="fileRoot"/>.</summary>
    public string PathOf(ReadOnlySpan<byte> fileRoot) => Path.Combine(Directory, Convert.ToHexStringLower(fileRoot) + Extension);

    /// <summary>A new file to hash into; <see cref="Commit"/> gives it its name once the root is known.</summary>
    public string NewTemporaryPath()
    {
        System.IO.Directory.CreateDirectory(Directory);
        return Path.Combine(Directory, Guid.NewGuid().ToString("N", CultureInfo.InvariantCulture) + TemporaryExtension);
    }

    /// <summary>Names the leaf file written to <paramref name="temporaryPath"/> after <paramref name="fileRoot"/> (replacing an identical one).</summary>
    public void Commit(string temporaryPath, ReadOnlySpan<byte> fileRoot) => File.Move(temporaryPath, PathOf(fileRoot), overwrite: true);

    /// <summary>Deletes the leaf file of <paramref name="fileRoot"/> (found damaged); it is hashed on request from then on.</summary>
    public void Delete(ReadOnlySpan<byte> fileRoot) => DeleteQuietly(PathOf(fileRoot));

    /// <summary>
    /// Deletes every leaf file whose root is not in <paramref name="keep"/> (lowercase hex), and, when
    /// <paramref name="temporaryToo"/>, the temporary files an interrupted hashing left. A share made
    /// while this runs may lose its leaf file; it is then served by hashing, as before it had one.
    /// </summary>
    public void Prune(IReadOnlySet<string> keep, bool temporaryToo)
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return;
        }

        try
        {
            foreach (string path in System.IO.Directory.EnumerateFiles(Directory))
            {
                string name = Path.GetFileName(path);
                bool stale = name.EndsWith(Extension, StringComparison.Ordinal)
                    ? !keep.Contains(name[..^Extension.Length])
                    : temporaryToo && name.EndsWith(TemporaryExtension, StringComparison.Ordinal);
                if (stale)
                {
                    DeleteQuietly(path);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The folder went away or cannot be listed: nothing to prune now; the next prune tries again.
        }
    }

    private static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Still open elsewhere or not ours to delete: left for the next prune.
        }
    }
}
