namespace MeshHost.Plugins.Testing;

/// <summary>Byte-for-byte file comparison for the file-sharing tests (linked into each project that needs it).</summary>
internal static class SameFile
{
    /// <summary>Fails unless <paramref name="actual"/> exists and holds exactly the bytes of <paramref name="expected"/>; names the first MiB that differs.</summary>
    public static void Assert(string expected, string actual)
    {
        Xunit.Assert.True(File.Exists(actual), $"{actual} does not exist");
        Xunit.Assert.Equal(new FileInfo(expected).Length, new FileInfo(actual).Length);
        using var a = new FileStream(expected, FileMode.Open, FileAccess.Read, System.IO.FileShare.Read, 1 << 20);
        using var b = new FileStream(actual, FileMode.Open, FileAccess.Read, System.IO.FileShare.Read, 1 << 20);
        byte[] x = new byte[1 << 20];
        byte[] y = new byte[1 << 20];
        for (long offset = 0; ; offset += x.Length)
        {
            int n = a.ReadAtLeast(x, x.Length, throwOnEndOfStream: false);
            int m = b.ReadAtLeast(y, y.Length, throwOnEndOfStream: false);
            Xunit.Assert.Equal(n, m);
            if (n == 0)
            {
                return;
            }

            Xunit.Assert.True(x.AsSpan(0, n).SequenceEqual(y.AsSpan(0, m)), $"{actual} differs from {expected} in the MiB at {offset}");
        }
    }
}
