using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.Loader;
using System.Text.Json;
using MeshHost.MessagePack;
using MeshHost.Sdk;
using MeshHost.Templates.Tests.Support;

namespace MeshHost.Templates.Tests;

/// <summary>
/// What a plugin author does, end to end, outside the repository: install the template package (into
/// an isolated CLI home, leaving the user's templates alone), make a project with it, build it against
/// the packed MeshHost.Sdk, and run the plugin in a real host.
/// </summary>
[Collection(PackageFeedCollection.Name)]
[Trait("Category", "Packaging")]
public sealed class TemplateRoundTripTests(PackageFeed feed) : IDisposable
{
    private const string ProjectName = "RoundTrip";
    private const string PluginId = "roundtrip";

    private static readonly TimeSpan TemplateTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan HostTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    private readonly TempDirectory _directory = new("meshhost-template-");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task A_plugin_made_from_the_template_builds_against_the_packages_and_runs_in_the_host()
    {
        string project = await CreateProjectAsync();
        string output = await BuildAsync(project);

        AssertPluginFolder(output);
        AssertGeneratedCodeWorksWithTheHostsAssemblies(Path.Combine(output, ProjectName + ".dll"));
        await AssertRunsInTheHostAsync(output);
    }

    /// <summary>Installs the template package into a CLI home of its own and runs <c>dotnet new meshhost-plugin</c>.</summary>
    private async Task<string> CreateProjectAsync()
    {
        Dictionary<string, string?> isolated = new() { ["DOTNET_CLI_HOME"] = _directory.Combine("cli-home") };
        string work = Directory.CreateDirectory(_directory.Combine("work")).FullName;
        string project = Path.Combine(work, ProjectName);

        (await DotnetProcess.RunAsync(work, TemplateTimeout, isolated, "new", "install", feed.PackagePath("MeshHost.Sdk.Templates")))
            .AssertSucceeded();
        (await DotnetProcess.RunAsync(work, TemplateTimeout, isolated, "new", "meshhost-plugin", "-n", ProjectName, "-o", project, "--no-update-check"))
            .AssertSucceeded();

        string manifest = await File.ReadAllTextAsync(Path.Combine(project, "plugin.json"));
        using JsonDocument json = JsonDocument.Parse(manifest);
        Assert.Equal(PluginId, json.RootElement.GetProperty("id").GetString());
        Assert.Equal(ProjectName + ".dll", json.RootElement.GetProperty("assembly").GetString());
        Assert.Equal(SdkVersion.Current, Version.Parse(json.RootElement.GetProperty("minimumSdkVersion").GetString()!));
        return project;
    }

    /// <summary>
    /// Builds the project with warnings as errors. Restores go to a package folder of their own, so the
    /// MeshHost packages just packed never mix with (or are shadowed by) copies in the user's cache.
    /// </summary>
    private async Task<string> BuildAsync(string project)
    {
        string work = Path.GetDirectoryName(project)!;
        NuGetConfig.Write(Path.Combine(work, "nuget.config"), feed.Directory, await NuGetConfig.ReadEnabledSourcesAsync(work));
        Dictionary<string, string?> environment = new() { ["NUGET_PACKAGES"] = _directory.Combine("packages") };

        (await DotnetProcess.RunAsync(work, BuildTimeout, environment, "build", project, "-c", "Release", "-warnaserror", "--disable-build-servers"))
            .AssertSucceeded();
        return Path.Combine(project, "bin", "Release", "net10.0");
    }

    /// <summary>The build output is a plugin folder: the plugin and its manifest, and none of the host's assemblies.</summary>
    private static void AssertPluginFolder(string output)
    {
        string[] files = Directory.GetFiles(output).Select(Path.GetFileName).ToArray()!;
        string listing = $"Build output {output}: {string.Join(", ", files)}";
        Assert.True(files.Contains(ProjectName + ".dll"), listing);
        Assert.True(files.Contains("plugin.json"), listing);
        Assert.False(files.Contains("MeshHost.Sdk.dll"), listing);
        Assert.False(files.Contains("MeshHost.MessagePack.dll"), listing);
        Assert.False(files.Any(f => f.StartsWith("Microsoft.Extensions.", StringComparison.Ordinal)), listing);
    }

    /// <summary>
    /// Loads the built plugin the way the host does (its own collectible context, the contract
    /// assemblies resolved to the ones already loaded) and round-trips the template's message through
    /// the code the SDK package's generator wrote.
    /// </summary>
    private static void AssertGeneratedCodeWorksWithTheHostsAssemblies(string pluginPath)
    {
        AssemblyLoadContext context = new("template-round-trip", isCollectible: true);
        try
        {
            Assembly plugin = context.LoadFromAssemblyPath(pluginPath);
            Type pluginType = plugin.GetType(ProjectName + ".Plugin", throwOnError: true)!;
            Assert.True(typeof(IMeshPlugin).IsAssignableFrom(pluginType), "The template's plugin does not implement the host's IMeshPlugin.");
            IMeshPlugin instance = (IMeshPlugin)Activator.CreateInstance(pluginType)!;
            Assert.Equal(ProjectName, instance.Name);

            Type greeting = plugin.GetType(ProjectName + ".Greeting", throwOnError: true)!;
            Assert.Contains(typeof(IMessagePackSerializable<>).MakeGenericType(greeting), greeting.GetInterfaces());

            DateTime sentAt = new(2026, 11, 21, 12, 30, 15, DateTimeKind.Utc);
            object message = Activator.CreateInstance(greeting)!;
            greeting.GetProperty("Text")!.SetValue(message, "hello");
            greeting.GetProperty("SentAt")!.SetValue(message, sentAt);

            byte[] bytes = (byte[])SerializerMethod(nameof(MessagePackSerializer.Serialize), typeof(object)).MakeGenericMethod(greeting).Invoke(null, [message])!;
            // [Key(0)] Text, [Key(1)] SentAt: an array of two, then "hello" as a fixstr.
            Assert.Equal([0x92, 0xa5, (byte)'h', (byte)'e', (byte)'l', (byte)'l', (byte)'o'], bytes.Take(7));

            object back = SerializerMethod(nameof(MessagePackSerializer.Deserialize), typeof(ReadOnlyMemory<byte>))
                .MakeGenericMethod(greeting).Invoke(null, [new ReadOnlyMemory<byte>(bytes), null])!;
            Assert.Equal("hello", greeting.GetProperty("Text")!.GetValue(back));
            Assert.Equal(sentAt, greeting.GetProperty("SentAt")!.GetValue(back));
        }
        finally
        {
            context.Unload();
        }
    }

    /// <summary>
    /// Installs the build output as the only plugin of a real <c>meshhost run</c> (its plugins
    /// directory set through the <c>Plugins:Directory</c> configuration key), waits for
    /// <c>meshhost plugins list</c> to report it running and for its start log line, then stops the
    /// host with SIGTERM and expects a clean exit.
    /// </summary>
    private async Task AssertRunsInTheHostAsync(string output)
    {
        string plugins = _directory.Combine("plugins");
        CopyDirectory(output, Path.Combine(plugins, PluginId));
        string data = _directory.Combine("node");
        Dictionary<string, string?> environment = new() { ["MESHHOST_Plugins__Directory"] = plugins };

        using DotnetProcess host = DotnetProcess.Start(
            _directory.Path, environment, BuildInfo.MeshHostAssembly, "run", "--port", "0", "--listen", "127.0.0.1", "--lan-beacon", "off", "--data-dir", data);
        using CancellationTokenSource deadline = new(HostTimeout);
        string last = "";
        while (true)
        {
            Assert.False(host.HasExited, $"The host exited before the plugin ran.\n{host.Describe()}\n{last}");
            CommandResult list = await DotnetProcess.RunAsync(
                _directory.Path, CommandTimeout, environment, BuildInfo.MeshHostAssembly, "plugins", "list", "--json", "--data-dir", data);
            last = list.ToString();
            // 2 is the CLI's usage error: this host does not know the command, and never will.
            Assert.False(list.ExitCode == 2, $"The host does not accept 'plugins list --json'.\n{list}");
            if (list.ExitCode == 0 && PluginState(list.Output) is { } state)
            {
                bool running = state.Equals("running", StringComparison.OrdinalIgnoreCase);
                Assert.True(running || state.Equals("loaded", StringComparison.OrdinalIgnoreCase), $"The plugin is {state}.\n{list}\n{host.Describe()}");
                if (running && host.Error.Contains(ProjectName + " started on node", StringComparison.Ordinal))
                {
                    break;
                }
            }

            Assert.False(deadline.IsCancellationRequested, $"The plugin was not reported running within {HostTimeout.TotalSeconds} s.\n{last}\n{host.Describe()}");
            await Task.Delay(PollInterval, CancellationToken.None);
        }

        using (Process kill = Process.Start("kill", ["-TERM", host.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync().WaitAsync(CommandTimeout);
        }

        Assert.Equal(0, await host.WaitForExitAsync(HostTimeout));
    }

    /// <summary>The <c>state</c> of the plugin <see cref="PluginId"/> in <c>plugins list --json</c> output, or null if it is not listed.</summary>
    private static string? PluginState(string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        foreach (JsonElement plugin in document.RootElement.GetProperty("plugins").EnumerateArray())
        {
            if (plugin.GetProperty("id").GetString() == PluginId)
            {
                return plugin.GetProperty("state").GetString();
            }
        }

        return null;
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }

    /// <summary>The one-type-argument overload of <paramref name="name"/> whose first parameter is <paramref name="firstParameter"/> (a generic parameter when <see cref="object"/>).</summary>
    private static MethodInfo SerializerMethod(string name, Type firstParameter) =>
        typeof(MessagePackSerializer).GetMethods(BindingFlags.Public | BindingFlags.Static).Single(m =>
            m.Name == name
            && m.GetGenericArguments().Length == 1
            && m.GetParameters() is [{ } first, ..] parameters
            && (firstParameter == typeof(object) ? first.ParameterType.IsGenericParameter && parameters.Length == 1 : first.ParameterType == firstParameter));
}
