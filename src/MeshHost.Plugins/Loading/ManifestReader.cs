using System.Text.Json;
using System.Text.Json.Serialization;
using MeshHost.Sdk;

namespace MeshHost.Plugins.Loading;

/// <summary>plugin.json as written, every field optional so that a missing one gets its own message.</summary>
internal sealed class ManifestJson
{
    public string? Id { get; set; }

    public string? Version { get; set; }

    public string? Assembly { get; set; }

    public string? MinimumSdkVersion { get; set; }

    public string? Description { get; set; }

    public List<DependencyJson?>? Dependencies { get; set; }
}

/// <summary>One entry of plugin.json's <c>dependencies</c>.</summary>
internal sealed class DependencyJson
{
    public string? Id { get; set; }

    public string? MinimumVersion { get; set; }
}

/// <summary>Source-generated, so reading a manifest keeps nothing alive and needs no reflection.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true)]
[JsonSerializable(typeof(ManifestJson))]
internal sealed partial class ManifestJsonContext : JsonSerializerContext;

/// <summary>The result of reading a manifest: the manifest, or why there is none (for people).</summary>
internal readonly record struct ManifestResult(PluginManifest? Manifest, string? Error);

/// <summary>Reads and checks plugin.json (format: <see cref="PluginManifest"/>).</summary>
internal static class ManifestReader
{
    public const string FileName = "plugin.json";

    /// <summary>Larger manifests are refused unread.</summary>
    private const int MaxBytes = 64 * 1024;

    /// <summary>The plugin folders in <paramref name="root"/>, sorted; none when it is missing; <paramref name="onError"/> hears why it cannot be read.</summary>
    public static string[] ListFolders(string root, Action<string>? onError = null)
    {
        try
        {
            string[] folders = Directory.Exists(root) ? Directory.GetDirectories(root) : [];
            Array.Sort(folders, StringComparer.Ordinal);
            return folders;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            onError?.Invoke(e.Message);
            return [];
        }
    }

    public static ManifestResult Read(string folder)
    {
        string path = Path.Combine(folder, FileName);
        byte[] bytes;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                return new(null, $"there is no {FileName} in {folder}");
            }

            if (info.Length > MaxBytes)
            {
                return new(null, $"{FileName} is {info.Length} bytes; the limit is {MaxBytes}");
            }

            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new(null, $"{FileName} cannot be read: {e.Message}");
        }

        ManifestJson? json;
        try
        {
            json = JsonSerializer.Deserialize(bytes, ManifestJsonContext.Default.ManifestJson);
        }
        catch (JsonException e)
        {
            return new(null, $"{FileName} is not valid JSON: {e.Message}");
        }

        return json is null ? new(null, $"{FileName} holds null, not an object") : Check(json);
    }

    /// <summary>True for 1 to 64 characters of lower-case letters, digits, '.', '-' and '_'.</summary>
    public static bool IsValidId(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > 64)
        {
            return false;
        }

        foreach (char c in id)
        {
            if (!(c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '-' or '_'))
            {
                return false;
            }
        }

        return true;
    }

    private static ManifestResult Check(ManifestJson json)
    {
        if (!IsValidId(json.Id))
        {
            return Bad(json.Id is null ? "'id' is missing" : $"'id' \"{json.Id}\" is not 1 to 64 of a-z, 0-9, '.', '-', '_'");
        }

        if (ParseVersion(json.Version, "version", out Version? version) is { } versionError)
        {
            return Bad(versionError);
        }

        if (string.IsNullOrWhiteSpace(json.Assembly))
        {
            return Bad("'assembly' is missing");
        }

        if (json.Assembly != Path.GetFileName(json.Assembly) || json.Assembly is "." or ".." || !json.Assembly.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            return Bad($"'assembly' \"{json.Assembly}\" must be the file name of a .dll in the plugin's folder");
        }

        if (ParseVersion(json.MinimumSdkVersion, "minimumSdkVersion", out Version? minimumSdk) is { } sdkError)
        {
            return Bad(sdkError);
        }

        var dependencies = new List<PluginDependency>();
        foreach (DependencyJson? dependency in json.Dependencies ?? [])
        {
            if (!IsValidId(dependency?.Id))
            {
                return Bad($"a dependency's 'id' \"{dependency?.Id}\" is missing or not a plugin id");
            }

            if (ParseVersion(dependency!.MinimumVersion, $"minimumVersion of dependency '{dependency.Id}'", out Version? minimum) is { } dependencyError)
            {
                return Bad(dependencyError);
            }

            dependencies.Add(new PluginDependency(dependency.Id!, minimum!));
        }

        return new(
            new PluginManifest
            {
                Id = json.Id!,
                Version = version!,
                Assembly = json.Assembly,
                MinimumSdkVersion = minimumSdk!,
                Description = json.Description ?? "",
                Dependencies = dependencies,
            },
            null);
    }

    private static string? ParseVersion(string? text, string field, out Version? version)
    {
        version = null;
        if (text is null)
        {
            return $"'{field}' is missing";
        }

        return Version.TryParse(text, out version) ? null : $"'{field}' \"{text}\" is not a version such as 1.0.0";
    }

    private static ManifestResult Bad(string error) => new(null, $"{FileName}: {error}");
}
