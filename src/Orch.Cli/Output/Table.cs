using System.Text;

namespace Orch.Cli.Output;

/// <summary>
/// Docker's table layout (text/tabwriter with minwidth 10, padding 3): every column but the last is padded
/// to its widest cell plus three spaces, and never narrower than ten.
/// </summary>
internal sealed class Table(params string[] headers)
{
    private readonly List<string[]> rows = [headers];

    public void Add(params string[] cells) => rows.Add(cells);

    public void WriteTo(TextWriter w)
    {
        var columns = rows.Max(r => r.Length);
        var widths = new int[columns];
        foreach (var r in rows)
        {
            for (var i = 0; i < r.Length - 1; i++)
            {
                widths[i] = Math.Max(widths[i], Math.Max(r[i].Length + 3, 10));
            }
        }
        var sb = new StringBuilder();
        foreach (var r in rows)
        {
            sb.Clear();
            for (var i = 0; i < r.Length; i++)
            {
                sb.Append(i < r.Length - 1 ? r[i].PadRight(widths[i]) : r[i]);
            }
            w.WriteLine(sb.ToString());
        }
    }
}
