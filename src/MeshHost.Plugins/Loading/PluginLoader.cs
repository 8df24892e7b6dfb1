using System.Reflection;
using MeshHost.Sdk;

namespace MeshHost.Plugins.Loading;

/// <summary>A plugin loaded into its own context, or why it could not be.</summary>
internal sealed class LoadOutcome
{
    private LoadOutcome(PluginLoadContext? context, IMeshPlugin? plugin, PluginState state, string? reason)
    {
        Context = context;
        Plugin = plugin;
        State = state;
        Reason = reason;
    }

    public PluginLoadContext? Context { get; }

    public IMeshPlugin? Plugin { get; }

    /// <summary><see cref="PluginState.Loaded"/> on success.</summary>
    public PluginState State { get; }

    public string? Reason { get; }

    public static LoadOutcome Loaded(PluginLoadContext context, IMeshPlugin plugin) => new(context, plugin, PluginState.Loaded, null);

    public static LoadOutcome Failed(PluginState state, string reason) => new(null, null, state, reason);
}

/// <summary>Loads a plugin's assembly into a new <see cref="PluginLoadContext"/> and creates its <see cref="IMeshPlugin"/>.</summary>
internal static class PluginLoader
{
    public static LoadOutcome Load(string folder, PluginManifest manifest)
    {
        string path = Path.Combine(folder, manifest.Assembly);
        if (!File.Exists(path))
        {
            return LoadOutcome.Failed(PluginState.Faulted, $"its assembly {manifest.Assembly} is missing from {folder}");
        }

        (PluginState? refused, string? why) = SdkCompatibility.CheckAssembly(path, SdkVersion.Current);
        if (refused is { } state)
        {
            return LoadOutcome.Failed(state, why!);
        }

        var context = new PluginLoadContext(manifest.Id, path);
        try
        {
            Assembly assembly = context.LoadCopy(path);
            (Type? type, string? problem) = FindPluginType(assembly);
            if (type is null)
            {
                context.Unload();
                return LoadOutcome.Failed(PluginState.Faulted, problem!);
            }

            return LoadOutcome.Loaded(context, (IMeshPlugin)Activator.CreateInstance(type)!);
        }
        catch (Exception e)
        {
            context.Unload();
            Exception cause = e is TargetInvocationException { InnerException: { } inner } ? inner : e;
            return LoadOutcome.Failed(PluginState.Faulted, $"loading {manifest.Assembly} failed: {cause.GetType().Name}: {cause.Message}");
        }
    }

    /// <summary>Exactly one public, non-abstract <see cref="IMeshPlugin"/> type with a public parameterless constructor.</summary>
    private static (Type? Type, string? Problem) FindPluginType(Assembly assembly)
    {
        var found = new List<Type>();
        bool foreignContract = false;
        foreach (Type type in assembly.GetExportedTypes())
        {
            if (type.IsAbstract || type.IsInterface || type.IsGenericTypeDefinition)
            {
                continue;
            }

            if (typeof(IMeshPlugin).IsAssignableFrom(type))
            {
                found.Add(type);
            }
            else if (type.GetInterface(typeof(IMeshPlugin).FullName!) is not null)
            {
                foreignContract = true; // implements another copy of the SDK's IMeshPlugin
            }
        }

        string name = assembly.GetName().Name ?? "the assembly";
        if (found.Count == 0)
        {
            return (null, foreignContract
                ? $"{name} implements IMeshPlugin from its own copy of {SdkCompatibility.SdkAssemblyName}; reference the SDK with Private=false and ExcludeAssets=runtime"
                : $"{name} has no public non-abstract type implementing IMeshPlugin");
        }

        if (found.Count > 1)
        {
            return (null, $"{name} has {found.Count} IMeshPlugin types ({string.Join(", ", found.Select(t => t.FullName))}); it must have exactly one");
        }

        return found[0].GetConstructor(Type.EmptyTypes) is null
            ? (null, $"{found[0].FullName} has no public parameterless constructor")
            : (found[0], null);
    }
}
