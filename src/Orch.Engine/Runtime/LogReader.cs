using System.Text;
using System.Text.Json;

namespace Orch.Engine.Runtime;

/// <summary>One entry of a container's json-file log.</summary>
/// <param name="Stream">1 stdout, 2 stderr.</param>
internal readonly record struct LogEntry(int Stream, byte[] Data, DateTimeOffset Time);

/// <summary>
/// Reads the json-file log the monitor writes ({"log":…,"stream":…,"time":…} per line). Follow mode
/// polls the file (every 100 ms) until the container stops running and the file is drained.
/// </summary>
internal static class LogReader
{
    public static async IAsyncEnumerable<LogEntry> ReadAsync(string path, int? tail, bool follow, Func<bool> running,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        if (!File.Exists(path))
        {
            if (!follow)
            {
                yield break;
            }
            File.AppendAllText(path, "");
        }
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        if (tail is { } n)
        {
            var lines = new Queue<LogEntry>();
            await foreach (var e in ReadAvailableAsync(fs, new StringBuilder(), ct))
            {
                lines.Enqueue(e);
                if (lines.Count > n)
                {
                    lines.Dequeue();
                }
            }
            foreach (var e in lines)
            {
                yield return e;
            }
        }
        var partial = new StringBuilder();
        while (true)
        {
            await foreach (var e in ReadAvailableAsync(fs, partial, ct))
            {
                yield return e;
            }
            if (!follow)
            {
                yield break;
            }
            if (!running())
            {
                // One last read: lines written between the read above and the exit.
                await foreach (var e in ReadAvailableAsync(fs, partial, ct))
                {
                    yield return e;
                }
                yield break;
            }
            await Task.Delay(100, ct);
        }
    }

    private static async IAsyncEnumerable<LogEntry> ReadAvailableAsync(FileStream fs, StringBuilder partial,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var buf = new byte[64 * 1024];
        int n;
        var pending = new List<byte>();
        while ((n = await fs.ReadAsync(buf, ct)) > 0)
        {
            pending.AddRange(buf.AsSpan(0, n).ToArray());
        }
        if (pending.Count == 0)
        {
            yield break;
        }
        partial.Append(Encoding.UTF8.GetString([.. pending]));
        var text = partial.ToString();
        var last = text.LastIndexOf('\n');
        if (last < 0)
        {
            yield break;
        }
        partial.Clear().Append(text[(last + 1)..]);
        foreach (var line in text[..last].Split('\n'))
        {
            if (Parse(line) is { } e)
            {
                yield return e;
            }
        }
    }

    public static LogEntry? Parse(string line)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            var log = root.GetProperty("log").GetString() ?? "";
            var stream = root.GetProperty("stream").GetString() == "stderr" ? 2 : 1;
            var time = DateTimeOffset.Parse(root.GetProperty("time").GetString() ?? "", System.Globalization.CultureInfo.InvariantCulture);
            return new LogEntry(stream, Encoding.UTF8.GetBytes(log), time);
        }
        catch (Exception e) when (e is JsonException or FormatException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }
}
