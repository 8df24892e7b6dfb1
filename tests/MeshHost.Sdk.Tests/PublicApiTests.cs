using System.Reflection;
using System.Text;
using MeshHost.Sdk;

namespace MeshHost.Sdk.Tests;

/// <summary>
/// Pins the SDK's public surface: plugins compile against it, so any change must be deliberate.
/// To accept a change, run the tests with MESHHOST_UPDATE_API_BASELINE=1 and commit the new
/// PublicApi.baseline.txt (from the test output folder) with a note on compatibility.
/// </summary>
public sealed class PublicApiTests
{
    [Fact]
    public void The_public_api_matches_the_checked_in_baseline()
    {
        string actual = Dump(typeof(IMesh).Assembly);
        string baselinePath = Path.Combine(AppContext.BaseDirectory, "PublicApi.baseline.txt");
        if (Environment.GetEnvironmentVariable("MESHHOST_UPDATE_API_BASELINE") == "1")
        {
            File.WriteAllText(baselinePath, actual);
        }

        string expected = File.ReadAllText(baselinePath).ReplaceLineEndings("\n");
        Assert.True(
            expected == actual,
            $"The SDK's public API changed. If that is intended, update tests/MeshHost.Sdk.Tests/PublicApi.baseline.txt to:\n{actual}");
    }

    private static string Dump(Assembly assembly)
    {
        var lines = new List<string>();
        foreach (Type type in assembly.GetExportedTypes())
        {
            lines.Add(Describe(type));
            const BindingFlags Flags = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            foreach (MemberInfo member in type.GetMembers(Flags))
            {
                if (member is MethodInfo { IsSpecialName: true } || member is Type)
                {
                    continue; // property and event accessors are listed with their property or event
                }

                lines.Add($"{Describe(type)} :: {DescribeMember(member)}");
            }
        }

        lines.Sort(StringComparer.Ordinal);
        var text = new StringBuilder();
        foreach (string line in lines)
        {
            text.Append(line).Append('\n');
        }

        return text.ToString();
    }

    private static string Describe(Type type)
    {
        string kind = type.IsInterface ? "interface" : type.IsEnum ? "enum" : type.IsValueType ? "struct" : typeof(Delegate).IsAssignableFrom(type) ? "delegate" : "class";
        return $"{kind} {type.FullName}";
    }

    private static string DescribeMember(MemberInfo member) => member switch
    {
        MethodInfo m => $"method {m.ReturnType} {m.Name}{Generic(m)}({Parameters(m.GetParameters())})",
        ConstructorInfo c => $"ctor ({Parameters(c.GetParameters())})",
        PropertyInfo p => $"property {p.PropertyType} {p.Name} {{{(p.GetMethod?.IsPublic == true ? " get;" : "")}{(p.SetMethod?.IsPublic == true ? " set;" : "")} }}",
        EventInfo e => $"event {e.EventHandlerType} {e.Name}",
        FieldInfo f => $"field {f.FieldType} {f.Name}{(f.IsLiteral ? $" = {f.GetRawConstantValue()}" : "")}",
        _ => $"{member.MemberType} {member.Name}",
    };

    private static string Generic(MethodInfo method) =>
        method.IsGenericMethodDefinition ? $"<{string.Join(", ", method.GetGenericArguments().Select(a => a.Name))}>" : "";

    private static string Parameters(ParameterInfo[] parameters) =>
        string.Join(", ", parameters.Select(p => $"{p.ParameterType} {p.Name}{(p.HasDefaultValue ? $" = {p.DefaultValue ?? "null"}" : "")}"));
}
