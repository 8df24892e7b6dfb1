using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace MeshHost.MessagePack.Generator.Model;

/// <summary>
/// A diagnostic kept as plain values. A <see cref="Location"/> holds its syntax tree, which would
/// keep old compilations alive and make every model unequal to the previous run's.
/// </summary>
internal sealed record DiagnosticInfo(
    DiagnosticDescriptor Descriptor,
    string? FilePath,
    TextSpan Span,
    LinePositionSpan LineSpan,
    EquatableArray<string> Arguments)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, Location? location, params string[] arguments)
    {
        if (location is null || !location.IsInSource)
        {
            return new DiagnosticInfo(descriptor, null, default, default, new EquatableArray<string>(arguments));
        }

        return new DiagnosticInfo(
            descriptor,
            location.SourceTree?.FilePath ?? string.Empty,
            location.SourceSpan,
            location.GetLineSpan().Span,
            new EquatableArray<string>(arguments));
    }

    public Diagnostic ToDiagnostic()
    {
        Location location = FilePath is null ? Location.None : Location.Create(FilePath, Span, LineSpan);
        object[] arguments = new object[Arguments.Count];
        for (int i = 0; i < arguments.Length; i++)
        {
            arguments[i] = Arguments[i];
        }

        return Diagnostic.Create(Descriptor, location, arguments);
    }
}
