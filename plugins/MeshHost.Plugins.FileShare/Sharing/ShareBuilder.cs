using MeshHost.Plugins.FileShare.Content;

namespace MeshHost.Plugins.FileShare.Sharing;

/// <summary>
/// Turns a file or a folder on disk into a share: every regular file hashed, the metadata built and
/// encoded, the root computed. Symbolic links (to files or folders) are skipped, never followed, so a
/// share cannot reach outside the folder and a link loop cannot hang the walk; the walk stops with an
/// error past the format's bounds (files, depth, path length) rather than reading without end.
/// </summary>
internal static class ShareBuilder
{
    /// <summary>Builds the share of <paramref name="path"/>.</summary>
    /// <returns>The share, with each file's absolute path in metadata order.</returns>
    /// <exception cref="FileNotFoundException">Nothing is at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">The folder holds no file, too many, or a name the format refuses.</exception>
    /// <exception cref="IOException">A file cannot be read or changed while it was hashed.</exception>
    /// <param name="leaves">Where to save the leaf hashes of files from <see cref="LeafStore.MinimumFileSize"/> on; null for nowhere.</param>
    public static async Task<LocalShare> BuildAsync(string path, CancellationToken cancellationToken, LeafStore? leaves = null)
    {
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        string name = Path.GetFileName(full);
        ShareCodec.CheckSegment(name, "The share name");
        var found = new List<(string Relative, string Absolute)>();
        if (File.Exists(full))
        {
            found.Add((name, full));
        }
        else if (Directory.Exists(full))
        {
            Walk(full, name, 1, found);
            if (found.Count == 0)
            {
                throw new InvalidDataException($"'{full}' holds no regular file to share (symbolic links are skipped).");
            }
        }
        else
        {
            throw new FileNotFoundException($"'{full}' does not exist.", full);
        }

        found.Sort((a, b) => string.CompareOrdinal(a.Relative, b.Relative));
        long total = 0;
        var sizes = new long[found.Count];
        for (int i = 0; i < found.Count; i++)
        {
            sizes[i] = new FileInfo(found[i].Absolute).Length;
            total = Math.Max(total, sizes[i]);
        }

        int pieceSize = MerkleTree.ChoosePieceSize(total);
        var files = new ShareFile[found.Count];
        var stamps = new FileStamp[found.Count];

        // Files are hashed one at a time (each streamed through one buffer), several at once for folders
        // of many files, so a folder of small files uses more than one core.
        await Parallel.ForAsync(0, found.Count, new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Math.Max(1, Environment.ProcessorCount) }, async (i, ct) =>
        {
            string absolute = found[i].Absolute;
            FileStamp before = FileStamp.Of(absolute);
            string? leavesPath = leaves is not null && before.Size >= LeafStore.MinimumFileSize ? leaves.NewTemporaryPath() : null;
            MerkleTree tree;
            try
            {
                tree = await MerkleTree.HashFileAsync(absolute, pieceSize, ct, leavesPath).ConfigureAwait(false);
                if (FileStamp.Of(absolute) != before)
                {
                    throw new IOException($"'{absolute}' changed while it was hashed; share it again once it is written.");
                }

                if (leavesPath is not null)
                {
                    leaves!.Commit(leavesPath, tree.Root);
                    leavesPath = null;
                }
            }
            finally
            {
                if (leavesPath is not null)
                {
                    File.Delete(leavesPath);
                }
            }

            files[i] = new ShareFile
            {
                Path = found[i].Relative,
                Size = tree.Size,
                Root = tree.Root.ToArray(),
                PieceLayer = tree.PieceLayerForMetadata,
            };
            stamps[i] = before;
        }).ConfigureAwait(false);

        var metadata = new ShareMetadata { Version = ShareCodec.FormatVersion, Name = name, PieceSize = pieceSize, Files = files };
        byte[] encoded = ShareCodec.Encode(metadata);
        ShareLayout layout = ShareLayout.Decode(encoded, ShareCodec.ComputeRoot(encoded));
        string[] paths = new string[found.Count];
        for (int i = 0; i < paths.Length; i++)
        {
            paths[i] = found[i].Absolute;
        }

        return new LocalShare(layout, full, paths, stamps, leaves);
    }

    private static void Walk(string folder, string relative, int depth, List<(string Relative, string Absolute)> found)
    {
        if (depth >= ShareCodec.MaxDepth)
        {
            throw new InvalidDataException($"'{folder}' is nested more than {ShareCodec.MaxDepth} folders deep.");
        }

        var options = new EnumerationOptions { RecurseSubdirectories = false, IgnoreInaccessible = false, AttributesToSkip = FileAttributes.ReparsePoint, ReturnSpecialDirectories = false };
        foreach (FileSystemInfo entry in new DirectoryInfo(folder).EnumerateFileSystemInfos("*", options))
        {
            if (entry.LinkTarget is not null)
            {
                continue;
            }

            string path = relative + "/" + entry.Name;
            if (entry is DirectoryInfo)
            {
                Walk(entry.FullName, path, depth + 1, found);
            }
            else if (entry is FileInfo)
            {
                if (found.Count >= ShareCodec.MaxFiles)
                {
                    throw new InvalidDataException($"'{folder}' holds more than {ShareCodec.MaxFiles} files: share a smaller folder.");
                }

                ShareCodec.CheckPath(path);
                found.Add((path, entry.FullName));
            }
        }
    }
}
