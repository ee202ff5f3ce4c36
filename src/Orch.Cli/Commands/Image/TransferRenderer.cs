using System.Globalization;

namespace Orch.Cli.Commands.Image;

/// <summary>
/// docker/pkg/jsonmessage's display, message by message. Layer lines are numbered in order of first
/// appearance; the cursor rests below the last one, so updating line k moves up (count - k), clears and
/// redraws it, and moves back down. A message without an ID ends the layer block (as in docker).
/// </summary>
internal sealed class TransferRenderer(TextWriter w, bool terminal, int width)
{
    private readonly Dictionary<string, int> lines = new(StringComparer.Ordinal);

    public void Write(string id, string status, long current, long total)
    {
        var bar = ProgressBar(current, total, width);
        if (!terminal)
        {
            if (bar.Length == 0)
            {
                w.WriteLine(id.Length > 0 ? $"{id}: {status}" : status);
            }
            return;
        }
        if (id.Length == 0)
        {
            lines.Clear();
            w.Write(status + "\n");
            return;
        }
        if (!lines.TryGetValue(id, out var line))
        {
            line = lines.Count;
            lines[id] = line;
            w.Write('\n');
        }
        var diff = lines.Count - line;
        w.Write($"\x1b[{diff}A\x1b[2K\r{id}: {status} {bar}\r\x1b[{diff}B");
        w.Flush();
    }

    /// <summary>JSONProgress.String(): "[=====>     ]  1.2MB/5MB", the bar only on terminals wider than 110 columns.</summary>
    internal static string ProgressBar(long current, long total, int width)
    {
        if (current <= 0 && total <= 0)
        {
            return "";
        }
        if (total <= 0)
        {
            return $"{Size(current),8}";
        }
        var percentage = Math.Min((int)(current * 100.0 / total) / 2, 50);
        var box = width > 110 ? "[" + new string('=', percentage) + ">" + new string(' ', 50 - percentage) + "] " : "";
        var numbers = current > total ? $"{Size(current),8}" : $"{Size(current),8}/{Size(total)}";
        return box + numbers;
    }

    /// <summary>go-units HumanSize (four significant digits, decimal units).</summary>
    private static string Size(double size)
    {
        string[] units = ["B", "kB", "MB", "GB", "TB", "PB"];
        var i = 0;
        while (size >= 1000 && i < units.Length - 1)
        {
            size /= 1000;
            i++;
        }
        return size.ToString("G4", CultureInfo.InvariantCulture) + units[i];
    }
}
