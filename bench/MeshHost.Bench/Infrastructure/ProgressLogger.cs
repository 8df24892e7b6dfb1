using System.Text;
using BenchmarkDotNet.Loggers;

namespace MeshHost.Bench.Infrastructure;

/// <summary>
/// Condenses BenchmarkDotNet's chatty console output to one line per benchmark started, plus its
/// errors. The full output still goes to the log file in the artifacts folder.
/// </summary>
internal sealed class ProgressLogger : ILogger
{
    private const string BenchmarkPrefix = "// Benchmark: ";

    private readonly TextWriter _output;
    private readonly StringBuilder _line = new();
    private LogKind _lineKind = LogKind.Default;

    public ProgressLogger(TextWriter output) => _output = output;

    public string Id => nameof(ProgressLogger);

    public int Priority => 0;

    public void Write(LogKind logKind, string text)
    {
        if (_line.Length == 0)
        {
            _lineKind = logKind;
        }

        _line.Append(text);
    }

    public void WriteLine() => EndLine();

    public void WriteLine(LogKind logKind, string text)
    {
        Write(logKind, text);
        EndLine();
    }

    public void Flush() => _output.Flush();

    private void EndLine()
    {
        string line = _line.ToString();
        _line.Clear();
        if (line.StartsWith(BenchmarkPrefix, StringComparison.Ordinal))
        {
            // "// Benchmark: Type.Method: Job(...)": keep only the benchmark's name.
            string rest = line[BenchmarkPrefix.Length..];
            int colon = rest.IndexOf(':', StringComparison.Ordinal);
            _output.WriteLine($"  running {(colon > 0 ? rest[..colon] : rest)}");
        }
        else if (_lineKind == LogKind.Error && line.Length > 0)
        {
            _output.WriteLine($"  BenchmarkDotNet: {line}");
        }
    }
}
