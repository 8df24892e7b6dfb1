namespace MeshHost.MessagePack.Generator.Model;

/// <summary>What the transform step found for one annotated type: code to emit and diagnostics to report.</summary>
internal sealed record ParseResult(TypeModel? Type, EquatableArray<DiagnosticInfo> Diagnostics);
