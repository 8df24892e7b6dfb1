using MeshHost.MessagePack;

namespace MeshHost.Plugins.FileShare.Sharing;

/// <summary>
/// What the plugin keeps across restarts, in <c>fileshare.state</c> in its data directory: the shares
/// served in place and the downloads not finished or stopped by the user. Written whole and atomically
/// (temp file, fsync, rename), so a crash leaves the old or the new state, never half of one.
/// </summary>
[MessagePackObject]
internal sealed partial record PersistedState
{
    /// <summary>The file's name in the plugin's data directory.</summary>
    public const string FileName = "fileshare.state";

    /// <summary>The most shares and downloads kept: bounds the file and what start-up announces.</summary>
    public const int MaxEntries = 1_024;

    /// <summary>The format's version.</summary>
    [Key(0)] public int Version { get; init; } = 1;

    /// <summary>Shares served in place.</summary>
    [Key(1)] public List<SharedEntry> Shares { get; init; } = [];

    /// <summary>Downloads that resume on start.</summary>
    [Key(2)] public List<DownloadEntry> Downloads { get; init; } = [];

    /// <summary>Reads the state; an absent file is an empty state.</summary>
    /// <exception cref="InvalidDataException">The file is damaged (it is then left for a person to inspect).</exception>
    public static PersistedState Load(string path)
    {
        if (!File.Exists(path))
        {
            return new PersistedState();
        }

        try
        {
            return MessagePackSerializer.Deserialize<PersistedState>(File.ReadAllBytes(path)) ?? new PersistedState();
        }
        catch (MessagePackSerializationException e)
        {
            throw new InvalidDataException($"'{path}' is damaged: {e.Message}", e);
        }
    }

    /// <summary>Replaces the file atomically.</summary>
    public void Save(string path)
    {
        byte[] bytes = MessagePackSerializer.Serialize(this);
        string temp = path + ".tmp";
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, System.IO.FileShare.None))
        {
            file.Write(bytes);
            file.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }
}

/// <summary>One share served in place.</summary>
[MessagePackObject]
internal sealed partial record SharedEntry
{
    /// <summary>The file or folder that was shared.</summary>
    [Key(0)] public string Source { get; init; } = "";

    /// <summary>The canonical metadata (its hash is the root).</summary>
    [Key(1)] public byte[] Metadata { get; init; } = [];

    /// <summary>Each file's absolute path, in metadata order.</summary>
    [Key(2)] public string[] Paths { get; init; } = [];

    /// <summary>Each file's size when hashed.</summary>
    [Key(3)] public long[] Sizes { get; init; } = [];

    /// <summary>Each file's last-write time (UTC ticks) when hashed.</summary>
    [Key(4)] public long[] WriteTicks { get; init; } = [];
}

/// <summary>One download to resume.</summary>
[MessagePackObject]
internal sealed partial record DownloadEntry
{
    /// <summary>The link it was started from.</summary>
    [Key(0)] public string Link { get; init; } = "";

    /// <summary>The folder the share is written into.</summary>
    [Key(1)] public string OutputDirectory { get; init; } = "";

    /// <summary>The verified metadata once fetched (empty before), so a restart need not fetch it again.</summary>
    [Key(2)] public byte[] Metadata { get; init; } = [];

    /// <summary>True when the user stopped it: kept for <c>files list</c> and a later resume, not restarted on start.</summary>
    [Key(3)] public bool Stopped { get; init; }
}
