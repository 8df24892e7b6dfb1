using System.Reflection;
using Microsoft.Data.Sqlite;

namespace MeshHost.Plugins.Shared;

/// <summary>
/// Lets the plugin's load context be collected although it uses Microsoft.Data.Sqlite. That library
/// keeps a process-wide connection factory (created by the first <see cref="SqliteConnection"/>)
/// whose constructor subscribes to <c>AppDomain.DomainUnload</c> and <c>ProcessExit</c> and starts a
/// pool-pruning timer; each roots a collectible context for the life of the process (docs/plugins.md,
/// "Hot reload and unloadability"). The plugin never pools connections, so it needs none of them:
/// when the store closes, this removes the library's handlers and disposes its timer.
/// </summary>
/// <remarks>
/// It reaches into private members (the library's factory and the runtime's event fields), checked
/// against Microsoft.Data.Sqlite 10.0.14 on .NET 10; when they are not where expected it changes
/// nothing and says so, and the plugin works but stays in memory after an unload.
/// </remarks>
internal static class SqliteUnloading
{
    private static readonly string[] AppDomainEvents = ["DomainUnload", "ProcessExit"];

    /// <summary>Releases what roots the library; false when something was not found.</summary>
    public static bool Release()
    {
        Assembly library = typeof(SqliteConnection).Assembly;
        bool complete = true;
        foreach (string name in AppDomainEvents)
        {
            EventInfo? handlers = typeof(AppDomain).GetEvent(name);
            FieldInfo? field = typeof(AppDomain).GetField(name, BindingFlags.Instance | BindingFlags.NonPublic);
            if (handlers is null || field is null)
            {
                complete = false;
                continue;
            }

            if (field.GetValue(AppDomain.CurrentDomain) is Delegate subscribed)
            {
                foreach (Delegate handler in subscribed.GetInvocationList())
                {
                    if (handler.Method.DeclaringType?.Assembly == library)
                    {
                        handlers.RemoveEventHandler(AppDomain.CurrentDomain, handler);
                    }
                }
            }
        }

        Type? factory = library.GetType("Microsoft.Data.Sqlite.SqliteConnectionFactory");
        object? instance = factory?.GetField("Instance", BindingFlags.Public | BindingFlags.Static)?.GetValue(null);
        if (instance is null || factory!.GetField("_pruneTimer", BindingFlags.NonPublic | BindingFlags.Instance)?.GetValue(instance) is not Timer timer)
        {
            return false;
        }

        timer.Dispose();
        return complete;
    }
}
