using MeshHost.Control;
using MeshHost.Host.Tests.Support;

namespace MeshHost.Host.Tests;

/// <summary>The token and control files in the data directory.</summary>
public sealed class ControlFilesTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void The_token_is_created_owner_only_and_then_reused()
    {
        (string token, bool tightened) = ControlToken.LoadOrCreate(_directory.Path);
        Assert.False(tightened);
        Assert.Equal(43, token.Length); // 32 bytes, base64url without padding
        Assert.DoesNotContain('=', token);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(ControlToken.PathIn(_directory.Path)));
        }

        Assert.Equal(token, ControlToken.LoadOrCreate(_directory.Path).Token);
        Assert.Equal(token, ControlToken.TryRead(_directory.Path));
        Assert.NotEqual(token, ControlToken.LoadOrCreate(Directory.CreateDirectory(_directory.Combine("other")).FullName).Token);
    }

    [Fact]
    public void A_token_file_others_can_read_is_made_owner_only()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // Unix file modes only
        }

        string path = ControlToken.PathIn(_directory.Path);
        File.WriteAllText(path, "sometoken\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        (string token, bool tightened) = ControlToken.LoadOrCreate(_directory.Path);

        Assert.Equal("sometoken", token);
        Assert.True(tightened);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public void Tokens_compare_equal_only_when_identical()
    {
        Assert.True(ControlToken.Matches("abc", "abc"));
        Assert.False(ControlToken.Matches("abc", "abd"));
        Assert.False(ControlToken.Matches("abc", "ab"));
        Assert.False(ControlToken.Matches("abc", ""));
        Assert.False(ControlToken.Matches("abc", new string('a', 5000)));
    }

    [Fact]
    public void The_control_file_round_trips_and_is_deleted_only_by_its_owner()
    {
        Assert.Null(ControlFileStore.TryRead(_directory.Path));
        ControlFileStore.Write(_directory.Path, new ControlFile(1234, Environment.ProcessId + 1));
        Assert.Equal(new ControlFile(1234, Environment.ProcessId + 1), ControlFileStore.TryRead(_directory.Path));
        Assert.False(ControlFileStore.DeleteIfOwned(_directory.Path));

        ControlFileStore.Write(_directory.Path, new ControlFile(1235, Environment.ProcessId));
        Assert.True(ControlFileStore.DeleteIfOwned(_directory.Path));
        Assert.False(File.Exists(ControlFileStore.PathIn(_directory.Path)));
        Assert.Empty(Directory.GetFiles(_directory.Path)); // no temporary file left behind
    }
}
