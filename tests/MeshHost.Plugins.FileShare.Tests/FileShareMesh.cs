using MeshHost.Plugins.FileShare.Content;
using MeshHost.Plugins.FileShare.Downloading;
using MeshHost.Sdk.Testing;

namespace MeshHost.Plugins.FileShare.Tests;

/// <summary>Loads the file-share plugin on the kit's mesh and drives shares and downloads in virtual time.</summary>
internal static class FileShareMesh
{
    public static Task<TestPlugin<FileSharePlugin>> LoadFileShareAsync(this TestNode node, Dictionary<string, string?>? settings = null) =>
        node.LoadPluginAsync<FileSharePlugin>(FileSharePlugin.Id, settings);

    public static async Task<ShareLink> ShareAsync(this TestMesh mesh, TestPlugin<FileSharePlugin> plugin, string path)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        (_, ShareLink link) = await mesh.WaitAsync(plugin.Plugin.ShareAsync(path, timeout.Token), TimeSpan.FromSeconds(30));
        return link;
    }

    /// <summary>Starts the download and moves virtual time until it ends (complete, failed or stopped).</summary>
    public static async Task<ShareDownload> DownloadAsync(this TestMesh mesh, TestPlugin<FileSharePlugin> plugin, ShareLink link, string directory, TimeSpan? within = null)
    {
        ShareDownload download = plugin.Plugin.StartDownload(link, directory);
        await mesh.WaitUntilAsync(
            () => download.State is DownloadState.Complete or DownloadState.Failed or DownloadState.Stopped,
            within ?? TimeSpan.FromMinutes(2),
            $"the download of {link.Name} to end (state {download.State}, {download.VerifiedBytes} bytes verified)");
        return download;
    }

    /// <summary>A file of <paramref name="size"/> seeded pseudo-random bytes.</summary>
    public static string WriteRandomFile(string path, long size, int seed)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var random = new Random(seed);
        byte[] buffer = new byte[1 << 20];
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
        for (long left = size; left > 0; left -= buffer.Length)
        {
            random.NextBytes(buffer);
            file.Write(buffer, 0, (int)Math.Min(buffer.Length, left));
        }

        return path;
    }
}
