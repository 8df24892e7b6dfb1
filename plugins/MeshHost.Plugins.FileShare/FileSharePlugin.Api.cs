using System.Text;
using System.Text.Json;
using MeshHost.Plugins.FileShare.Content;
using MeshHost.Plugins.FileShare.Downloading;
using MeshHost.Plugins.FileShare.Sharing;
using MeshHost.Plugins.Shared;
using MeshHost.Sdk;

namespace MeshHost.Plugins.FileShare;

/// <summary>The control API (<c>/v1/plugins/meshhost.fileshare/…</c>) and the CLI commands.</summary>
public sealed partial class FileSharePlugin
{
    /// <inheritdoc/>
    public void MapEndpoints(IControlApiBuilder api)
    {
        api.Map("POST", "shares", ShareEndpointAsync);
        api.Map("POST", "downloads", (request, _) => Task.FromResult(DownloadEndpoint(request)));
        api.Map("GET", "downloads/{id}", (request, _) => Task.FromResult(FindDownload(request.RouteValues["id"]) is { } download
            ? ControlApiResponse.Json(JsonText.Object(w => WriteDownload(w, download)))
            : NotFound(request.RouteValues["id"])));
        api.Map("GET", "files", (_, _) => Task.FromResult(ListEndpoint()));
        api.Map("DELETE", "files/{id}", StopEndpointAsync);
        api.Map("GET", "status", (_, _) => Task.FromResult(ControlApiResponse.Json(JsonText.Object(w =>
        {
            w.WriteNumber("uploadedBytes", Counters.UploadedBytes);
            w.WriteNumber("badRequests", Counters.BadRequests);
            w.WriteNumber("busyAnswers", Counters.BusyAnswers);
            w.WriteNumber("staleReads", Counters.StaleReads);
            w.WriteNumber("damagedLeafFiles", Counters.DamagedLeafFiles);
            w.WriteNumber("hashedPieces", Counters.HashedPieces);
        }))));
    }

    /// <inheritdoc/>
    public void AddCommands(ICliBuilder cli)
    {
        foreach (PluginCommand command in FileShareCommands.Create(CommandTime))
        {
            cli.AddCommand(command);
        }
    }

    /// <summary>The clock the CLI's progress polling uses (tests set it; the system clock otherwise).</summary>
    internal TimeProvider? CommandTime { get; set; }

    private static ControlApiResponse NotFound(string id) =>
        ControlApiResponse.Error(404, "not-found", $"No share or download '{id}' on this node ('meshhost files list' shows them).");

    private async Task<ControlApiResponse> ShareEndpointAsync(ControlApiRequest request, CancellationToken cancellationToken)
    {
        string? path = ReadString(request, "path");
        if (string.IsNullOrWhiteSpace(path) || !Path.IsPathFullyQualified(path))
        {
            return ControlApiResponse.Error(400, "bad-path", "Give the absolute path of a file or folder to share, as {\"path\": \"...\"}.");
        }

        try
        {
            (LocalShare share, ShareLink link) = await ShareAsync(path, cancellationToken).ConfigureAwait(false);
            return ControlApiResponse.Json(JsonText.Object(w =>
            {
                w.WriteString("id", share.Layout.RootHex);
                w.WriteString("link", link.ToString());
                w.WriteString("name", share.Layout.Metadata.Name);
                w.WriteNumber("size", share.Layout.TotalSize);
                w.WriteNumber("files", share.Layout.Trees.Length);
            }));
        }
        catch (FileNotFoundException e)
        {
            return ControlApiResponse.Error(404, "not-found", e.Message);
        }
        catch (UnauthorizedAccessException e)
        {
            return ControlApiResponse.Error(403, "permission-denied", $"Permission denied: {e.Message}");
        }
        catch (Exception e) when (e is InvalidDataException or IOException or InvalidOperationException)
        {
            return ControlApiResponse.Error(422, "cannot-share", e.Message);
        }
    }

    private ControlApiResponse DownloadEndpoint(ControlApiRequest request)
    {
        string? text = ReadString(request, "link");
        if (!ShareLink.TryParse(text, out ShareLink? link, out string? error))
        {
            return ControlApiResponse.Error(400, "bad-link", $"Not a share link: {error}");
        }

        string? directory = ReadString(request, "directory");
        if (string.IsNullOrWhiteSpace(directory) || !Path.IsPathFullyQualified(directory))
        {
            return ControlApiResponse.Error(400, "bad-directory", "Give the absolute path of the folder to download into, as {\"directory\": \"...\"}.");
        }

        ShareDownload download = StartDownload(link, directory);
        return ControlApiResponse.Json(JsonText.Object(w => WriteDownload(w, download)));
    }

    private async Task<ControlApiResponse> StopEndpointAsync(ControlApiRequest request, CancellationToken cancellationToken)
    {
        string id = request.RouteValues["id"].ToLowerInvariant();
        return await StopAsync(id).ConfigureAwait(false)
            ? ControlApiResponse.Json("""{"stopped":true}""")
            : NotFound(id);
    }

    private ControlApiResponse ListEndpoint()
    {
        IReadOnlyList<LocalShare> shares = Shares();
        IReadOnlyList<ShareDownload> downloads = Downloads();
        return ControlApiResponse.Json(JsonText.Object(w =>
        {
            w.WriteStartArray("shares");
            foreach (LocalShare share in shares)
            {
                w.WriteStartObject();
                w.WriteString("id", share.Layout.RootHex);
                w.WriteString("name", share.Layout.Metadata.Name);
                w.WriteNumber("size", share.Layout.TotalSize);
                w.WriteNumber("files", share.Layout.Trees.Length);
                w.WriteString("path", share.SourcePath);
                w.WriteString("state", share.IsStale ? "changed-on-disk" : "seeding");
                w.WriteString("link", ShareLink.Create(share.Layout.Root, share.Layout.Metadata.Name, share.Layout.TotalSize).ToString());
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("downloads");
            foreach (ShareDownload download in downloads)
            {
                w.WriteStartObject();
                WriteDownload(w, download);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }));
    }

    private static void WriteDownload(Utf8JsonWriter w, ShareDownload download)
    {
        w.WriteString("id", download.Id);
        w.WriteString("name", download.HasMetadata ? download.Layout.Metadata.Name : download.Link.Name);
        w.WriteString("state", download.State.ToString().ToLowerInvariant());
        if (download.Error is { } error)
        {
            w.WriteString("error", error);
        }

        w.WriteNumber("size", download.HasMetadata ? download.Layout.TotalSize : download.Link.Size);
        w.WriteNumber("verified", download.VerifiedBytes);
        w.WriteNumber("resumed", download.ResumedBytes);
        w.WriteNumber("fetched", download.FetchedBytes);
        w.WriteNumber("wasted", download.WastedBytes);
        w.WriteNumber("rejectedBlocks", download.RejectedBlocks);
        w.WriteNumber("droppedPeers", download.DroppedPeers);
        w.WriteNumber("peers", download.ActivePeers);
        w.WriteNumber("contributors", download.ContributingPeers);
        w.WriteNumber("bytesPerSecond", Math.Round(download.BytesPerSecond));
        w.WriteNumber("elapsedMs", (long)download.Elapsed.TotalMilliseconds);
        w.WriteString("directory", download.OutputDirectory);
        w.WriteNumber("files", download.HasMetadata ? download.Layout.Trees.Length : 0);
        w.WriteString("link", download.Link.ToString());
    }

    private static string? ReadString(ControlApiRequest request, string name)
    {
        try
        {
            using var document = JsonDocument.Parse(request.Body);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String
                ? value.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
