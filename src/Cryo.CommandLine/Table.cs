namespace Cryo.CommandLine;

/// <summary>Left-aligned columns, like kubectl's.</summary>
public static class Table
{
    /// <summary>Writes a header and rows with columns padded to their widest cell.</summary>
    public static void Write(TextWriter output, string[] header, IReadOnlyList<string[]> rows)
    {
        var widths = header.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        foreach (var row in rows.Prepend(header))
        {
            output.WriteLine(string.Join("   ", row.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd());
        }
    }
}
