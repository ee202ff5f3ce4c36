namespace Orch.Cli.Commands.Container;

/// <summary>docker/cli's tabwriter output: columns padded to the widest cell plus three spaces.</summary>
internal static class Table
{
    public static void Write(TextWriter w, IReadOnlyList<string[]> rows)
    {
        var widths = new int[rows[0].Length];
        foreach (var row in rows)
        {
            for (var i = 0; i < row.Length; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }
        foreach (var row in rows)
        {
            var line = string.Concat(row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i] + 3)));
            w.WriteLine(line.TrimEnd());
        }
    }
}
