using System.Text.Json.Nodes;

namespace MeshHost.Plugins.Tests.Support;

/// <summary>A temporary plugins directory filled from the test plugins built next to the tests (testplugins/&lt;name&gt;).</summary>
internal sealed class PluginFolders : IDisposable
{
    public PluginFolders()
    {
        Root = System.IO.Directory.CreateTempSubdirectory("meshhost-plugins-").FullName;
        Directory = Path.Combine(Root, "plugins");
        DataDirectory = Path.Combine(Root, "data");
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Root { get; }

    /// <summary>The plugins directory the manager searches.</summary>
    public string Directory { get; }

    /// <summary>The node's data directory.</summary>
    public string DataDirectory { get; }

    public static string Source(string name) => Path.Combine(AppContext.BaseDirectory, "testplugins", name);

    /// <summary>Copies test plugin <paramref name="name"/> into folder <paramref name="folder"/>, letting <paramref name="manifest"/> edit its plugin.json.</summary>
    public string Install(string name, string? folder = null, Action<JsonObject>? manifest = null)
    {
        string target = Path.Combine(Directory, folder ?? name);
        CopyFiles(Source(name), target);
        if (manifest is not null)
        {
            EditManifest(target, manifest);
        }

        return target;
    }

    /// <summary>Copies every file of <paramref name="source"/> over <paramref name="target"/> (how a rebuild lands in a plugin folder).</summary>
    public static void CopyFiles(string source, string target)
    {
        System.IO.Directory.CreateDirectory(target);
        foreach (string file in System.IO.Directory.GetFiles(source, "*", SearchOption.AllDirectories))
        {
            string destination = Path.Combine(target, Path.GetRelativePath(source, file));
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination, overwrite: true);
        }
    }

    public static void EditManifest(string folder, Action<JsonObject> edit)
    {
        string path = Path.Combine(folder, "plugin.json");
        JsonObject json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(json);
        File.WriteAllText(path, json.ToJsonString());
    }

    /// <summary>A folder holding only a plugin.json with this text.</summary>
    public string WriteManifestOnly(string folder, string text)
    {
        string target = Path.Combine(Directory, folder);
        System.IO.Directory.CreateDirectory(target);
        File.WriteAllText(Path.Combine(target, "plugin.json"), text);
        return target;
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }
}
