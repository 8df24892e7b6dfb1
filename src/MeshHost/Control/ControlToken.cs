using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using MeshHost.Configuration;

namespace MeshHost.Control;

/// <summary>
/// The control API's bearer token: 32 random bytes, base64url, in <c>control.token</c> in the data
/// directory, readable by its owner only, so that only the user who runs the node can drive it.
/// </summary>
internal static class ControlToken
{
    private const int TokenBytes = 32;

    /// <summary>Owner read and write: what the token file's mode must be on Unix.</summary>
    public const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>The token file's path in <paramref name="dataDirectory"/>.</summary>
    public static string PathIn(string dataDirectory) => Path.Combine(dataDirectory, DataDirectory.TokenFileName);

    /// <summary>Reads the token, creating the file (owner-only) when it is missing; a file others can read is made owner-only.</summary>
    /// <returns>The token, and whether the file's mode had to be tightened.</returns>
    public static (string Token, bool Tightened) LoadOrCreate(string dataDirectory)
    {
        string path = PathIn(dataDirectory);
        if (!File.Exists(path))
        {
            string created = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(TokenBytes));
            FileStreamOptions options = new() { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = OwnerOnly;
            }

            try
            {
                using FileStream stream = new(path, options);
                stream.Write(Encoding.ASCII.GetBytes(created));
                stream.Flush(flushToDisk: true);
                return (created, false);
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process created it first: use theirs.
            }
        }

        bool tightened = false;
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & ~OwnerOnly) != 0)
        {
            File.SetUnixFileMode(path, OwnerOnly);
            tightened = true;
        }

        string token = File.ReadAllText(path).Trim();
        return token.Length == 0
            ? throw new UsageException($"The control token file {path} is empty; delete it and a new one is made.")
            : (token, tightened);
    }

    /// <summary>Reads the token of a running node (the CLI side); null when there is no token file.</summary>
    public static string? TryRead(string dataDirectory)
    {
        try
        {
            return File.ReadAllText(PathIn(dataDirectory)).Trim();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Compares a presented token with the real one in time that does not depend on where they differ.</summary>
    public static bool Matches(string expected, ReadOnlySpan<char> presented)
    {
        Span<byte> presentedBytes = stackalloc byte[1024];
        if (presented.Length > 256)
        {
            return false;
        }

        int written = Encoding.UTF8.GetBytes(presented, presentedBytes);
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), presentedBytes[..written]);
    }
}
