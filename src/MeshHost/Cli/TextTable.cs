namespace MeshHost.Cli;

/// <summary>A plain-text table with left-aligned columns two spaces apart.</summary>
internal sealed class TextTable
{
    private readonly string[] _headers;
    private readonly List<string[]> _rows = [];

    public TextTable(params string[] headers)
    {
        _headers = headers;
    }

    /// <summary>Writes <paramref name="rows"/> as a table, or the line <paramref name="empty"/> when there are none.</summary>
    public static int Write<T>(TextWriter writer, IReadOnlyList<T> rows, string empty, string[] headers, Func<T, string[]> cells)
    {
        if (rows.Count == 0)
        {
            writer.WriteLine(empty);
            return ExitCodes.Success;
        }

        TextTable table = new(headers);
        foreach (T row in rows)
        {
            table.Add(cells(row));
        }

        table.WriteTo(writer);
        return ExitCodes.Success;
    }

    public void Add(params string[] cells)
    {
        if (cells.Length != _headers.Length)
        {
            throw new ArgumentException($"A row has {_headers.Length} cells, not {cells.Length}.", nameof(cells));
        }

        _rows.Add(cells);
    }

    public void WriteTo(TextWriter writer)
    {
        int[] widths = new int[_headers.Length];
        Widen(widths, _headers);
        foreach (string[] row in _rows)
        {
            Widen(widths, row);
        }

        WriteRow(writer, widths, _headers);
        foreach (string[] row in _rows)
        {
            WriteRow(writer, widths, row);
        }
    }

    private static void Widen(int[] widths, string[] cells)
    {
        for (int i = 0; i < cells.Length; i++)
        {
            widths[i] = Math.Max(widths[i], cells[i].Length);
        }
    }

    private static void WriteRow(TextWriter writer, int[] widths, string[] cells)
    {
        for (int i = 0; i < cells.Length; i++)
        {
            writer.Write(i == cells.Length - 1 ? cells[i] : cells[i].PadRight(widths[i] + 2));
        }

        writer.WriteLine();
    }
}
