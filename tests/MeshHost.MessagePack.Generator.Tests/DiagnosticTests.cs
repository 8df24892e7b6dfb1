using Microsoft.CodeAnalysis;
using Xunit;

namespace MeshHost.MessagePack.Generator.Tests;

public sealed class DiagnosticTests
{
    public static TheoryData<string, string> Cases => new()
    {
        { "MPK001", "[MessagePackObject] public class NotPartial { [Key(0)] public int A { get; set; } }" },
        { "MPK002", "public class Outer { [MessagePackObject] public partial class Inner { [Key(0)] public int A { get; set; } } }" },
        { "MPK003", "[MessagePackObject] public partial class C { [Key(0)] public int A { get; set; } public int B { get; set; } }" },
        { "MPK003", "[MessagePackObject] public partial record R(int A);" },
        { "MPK004", "[MessagePackObject] public partial class C { [Key(0)] public int A { get; set; } [Key(0)] public int B { get; set; } }" },
        { "MPK004", "[MessagePackObject] public partial class C { [Key(\"a\")] public int A { get; set; } [Key(\"a\")] public int B { get; set; } }" },
        { "MPK005", "[MessagePackObject] public partial class C { [Key(0)] public int A { get; set; } [Key(\"b\")] public int B { get; set; } }" },
        { "MPK005", "[MessagePackObject(true)] public partial class C { [Key(0)] public int A { get; set; } }" },
        { "MPK006", "[MessagePackObject] public partial class C { [Key(-1)] public int A { get; set; } }" },
        { "MPK007", "[MessagePackObject] public partial class C { [Key(0)] public object? A { get; set; } }" },
        { "MPK007", "[MessagePackObject] public partial class C { [Key(0)] public List<Uri>? A { get; set; } }" },
        { "MPK007", "[MessagePackObject] public partial class C<T> { [Key(0)] public T? A { get; set; } }" },
        { "MPK007", "[MessagePackObject] public partial class C { [Key(0)] public int[,]? A { get; set; } }" },
        { "MPK008", "[MessagePackObject] public partial class C { [Key(0)] public int A { get; } }" },
        { "MPK008", "[MessagePackObject] public partial class C { [Key(0)] public readonly int A; [Key(1)] public int B { get; set; } }" },
        { "MPK009", "[MessagePackObject] public partial class C { public C(int a, int other) { A = a; } [Key(0)] public int A { get; } }" },
        { "MPK010", "[Union(0, typeof(A))] public partial interface I { } [MessagePackObject] public partial class A : I { }" },
        { "MPK011", "[Union(0, typeof(A))] [Union(0, typeof(B))] public abstract partial class Base { } [MessagePackObject] public partial class A : Base { } [MessagePackObject] public partial class B : Base { }" },
        { "MPK012", "[Union(0, typeof(A))] public abstract partial class Base { } [MessagePackObject] public partial class A { }" },
        { "MPK013", "[MessagePackObject] public partial class C { [Key(0)] [MessagePackFormatter(typeof(string))] public int A { get; set; } }" },
        { "MPK013", "[MessagePackObject] public partial class C { [Key(0)] [MessagePackFormatter(typeof(Int32Formatter))] public long A { get; set; } }" },
        { "MPK014", "[Union(0, typeof(A))] public partial class Base { } [MessagePackObject] public partial class A : Base { }" },
        { "MPK015", "[MessagePackObject] public partial class C { [SerializationConstructor] public C(int a, int b) { A = a; } [Key(0)] public int A { get; } }" },
        { "MPK015", "[MessagePackObject] public partial class C { [SerializationConstructor] public C() { } [SerializationConstructor] public C(int a) { A = a; } [Key(0)] public int A { get; set; } }" },
        { "MPK016", "[MessagePackObject] public abstract partial class C { [Key(0)] public int A { get; set; } }" },
        { "MPK017", "[MessagePackObject] public static partial class C { }" },
        { "MPK017", "[MessagePackObject] public ref partial struct C { [Key(0)] public int A; }" },
        { "MPK017", "[MessagePackObject] file partial class C { [Key(0)] public int A; }" },
        { "MPK008", "[MessagePackObject(true)] public partial record C(int A) { public int Twice => A * 2; }" },
        { "MPK018", "[MessagePackObject] public partial class C { private int _a; [Key(0)] public int A { set => _a = value; } public int Get() => _a; }" },
        { "MPK019", "[Union(0, typeof(A))] public abstract partial class Base { } public partial class A : Base { }" },
        { "MPK019", "[Union(0, typeof(A))] [Union(1, typeof(A))] public abstract partial class Base { } [MessagePackObject] public partial class A : Base { }" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ReportsDiagnostic(string id, string declaration)
    {
        GeneratorRun run = GeneratorHarness.Run(ValidSamples.Usings + declaration);

        Diagnostic diagnostic = Assert.Single(run.GeneratorDiagnostics, d => d.Id == id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal("MeshHost.MessagePack", diagnostic.Descriptor.Category);
        Assert.NotEqual(Location.None, diagnostic.Location);
        Assert.All(run.GeneratorDiagnostics, d => Assert.StartsWith("MPK", d.Id, StringComparison.Ordinal));
    }

    [Fact]
    public void DiagnosticPointsAtTheMember()
    {
        const string Source = ValidSamples.Usings + """
            [MessagePackObject]
            public partial class C
            {
                [Key(0)] public int A { get; set; }
                public int Forgotten { get; set; }
            }
            """;

        GeneratorRun run = GeneratorHarness.Run(Source);

        Diagnostic diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("MPK003", diagnostic.Id);
        Assert.Contains("'Forgotten'", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        FileLinePositionSpan span = diagnostic.Location.GetLineSpan();
        Assert.Equal("Source0.cs", span.Path);
        Assert.Equal(8, span.StartLinePosition.Line);
    }

    [Fact]
    public void TypeWithErrorsGeneratesNothing()
    {
        GeneratorRun run = GeneratorHarness.Run(ValidSamples.Usings + "[MessagePackObject] public partial class C { [Key(0)] public int A { get; set; } [Key(0)] public int B { get; set; } }");

        Assert.Empty(run.Sources);
    }

    [Fact]
    public void UnknownMemberTypeReportsOnlyTheCompilerError()
    {
        GeneratorRun run = GeneratorHarness.Run(ValidSamples.Usings + "[MessagePackObject] public partial class C { [Key(0)] public Missing? A { get; set; } }");

        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.Sources);
    }
}
