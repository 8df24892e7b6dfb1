using System.Text.Json;
using MeshHost.Configuration;

namespace MeshHost.Control;

/// <summary>Reads and writes <c>control.json</c>, the file that tells the CLI where a running node's control API is.</summary>
internal static class ControlFileStore
{
    /// <summary>The control file's path in <paramref name="dataDirectory"/>.</summary>
    public static string PathIn(string dataDirectory) => Path.Combine(dataDirectory, DataDirectory.ControlFileName);

    /// <summary>Writes the file atomically (a temporary file renamed over it), so a reader never sees half of it.</summary>
    public static void Write(string dataDirectory, ControlFile content)
    {
        string path = PathIn(dataDirectory);
        string temporary = path + "." + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".tmp";
        using (FileStream stream = new(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(stream, content, ControlJsonContext.Default.ControlFile);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Reads the file; null when it is missing or unreadable (a crash mid-write cannot leave it half written, but a user can).</summary>
    public static ControlFile? TryRead(string dataDirectory)
    {
        try
        {
            using FileStream stream = File.OpenRead(PathIn(dataDirectory));
            return JsonSerializer.Deserialize(stream, ControlJsonContext.Default.ControlFile);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or JsonException)
        {
            return null;
        }
    }

    /// <summary>Deletes the file if it still names this process (a newer node may have replaced it).</summary>
    public static bool DeleteIfOwned(string dataDirectory)
    {
        if (TryRead(dataDirectory) is { } file && file.Pid == Environment.ProcessId)
        {
            File.Delete(PathIn(dataDirectory));
            return true;
        }

        return false;
    }
}
