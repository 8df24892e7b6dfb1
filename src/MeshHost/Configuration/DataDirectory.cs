namespace MeshHost.Configuration;

/// <summary>Where a node's files live, and the names of the files the host itself keeps there.</summary>
internal static class DataDirectory
{
    /// <summary>The control API's port and the node's pid, written while the node runs.</summary>
    public const string ControlFileName = "control.json";

    /// <summary>The bearer token the control API demands (owner-only).</summary>
    public const string TokenFileName = "control.token";

    /// <summary>The configuration file read from the data directory when <c>--config</c> is not given.</summary>
    public const string ConfigFileName = "meshhost.json";

    /// <summary>The environment variable prefix for configuration (<c>MESHHOST_Mesh__Port</c>).</summary>
    public const string EnvironmentPrefix = "MESHHOST_";

    /// <summary>The default: <c>meshhost</c> under the user's local application data (~/.local/share/meshhost on Linux).</summary>
    public static string Default
    {
        get
        {
            string profile = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
            if (string.IsNullOrEmpty(profile))
            {
                throw new UsageException("There is no user profile to keep the node's files in; pass --data-dir.");
            }

            return Path.Combine(profile, "meshhost");
        }
    }

    /// <summary>
    /// The data directory a command works on: the option, else <c>MESHHOST_Mesh__DataDirectory</c>,
    /// else the profile default; always a full path.
    /// </summary>
    public static string Resolve(string? option)
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentPrefix + MeshSettings.SectionName + "__" + nameof(MeshSettings.DataDirectory));
        string path = !string.IsNullOrWhiteSpace(option) ? option
            : !string.IsNullOrWhiteSpace(fromEnvironment) ? fromEnvironment
            : Default;
        return Path.GetFullPath(path);
    }

    /// <summary>Creates the directory if missing, readable by its owner only on Unix (it holds the identity key and the token).</summary>
    public static void Create(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}
