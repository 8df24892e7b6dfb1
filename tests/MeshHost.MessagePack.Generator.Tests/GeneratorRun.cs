using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace MeshHost.MessagePack.Generator.Tests;

/// <summary>The result of running the generator over some sources.</summary>
internal sealed record GeneratorRun(
    GeneratorDriver Driver,
    GeneratorDriverRunResult Result,
    Compilation Input,
    Compilation Output,
    ImmutableArray<Diagnostic> GeneratorDiagnostics)
{
    /// <summary>Errors and warnings of the compilation that includes the generated files.</summary>
    public ImmutableArray<Diagnostic> CompilationProblems =>
        Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToImmutableArray();

    public ImmutableArray<GeneratedSourceResult> Sources => Result.Results.Single().GeneratedSources;

    public string Source(string hintName) =>
        Sources.Single(s => s.HintName == hintName).SourceText.ToString();

    public IEnumerable<string> GeneratorDiagnosticIds => GeneratorDiagnostics.Select(d => d.Id);
}
