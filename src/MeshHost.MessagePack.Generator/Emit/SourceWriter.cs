using System.Text;

namespace MeshHost.MessagePack.Generator.Emit;

/// <summary>Builds indented C# with '\n' line endings, so output is identical on every platform.</summary>
internal sealed class SourceWriter
{
    private readonly StringBuilder _builder = new();
    private int _indent;

    public void Line(string text)
    {
        if (text.Length > 0)
        {
            _builder.Append(' ', _indent * 4);
        }

        _builder.Append(text).Append('\n');
    }

    public void Line() => _builder.Append('\n');

    public void Open(string header)
    {
        Line(header);
        Line("{");
        _indent++;
    }

    public void Indent() => _indent++;

    public void Unindent() => _indent--;

    public void Close(string suffix = "")
    {
        _indent--;
        Line("}" + suffix);
    }

    public override string ToString() => _builder.ToString();
}
