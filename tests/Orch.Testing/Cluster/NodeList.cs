namespace Orch.Testing.Cluster;

/// <summary>One row of `orch node ls`, as a user reads it.</summary>
public sealed record NodeRow(string Id, bool Self, string Hostname, string Status, string Availability, string ManagerStatus, string EngineVersion);

/// <summary>Reads `orch node ls` output by the header's column positions (cells may be empty, e.g. a worker's MANAGER STATUS).</summary>
public static class NodeList
{
    private static readonly string[] Headers = ["ID", "HOSTNAME", "STATUS", "AVAILABILITY", "MANAGER STATUS", "ENGINE VERSION"];

    public static List<NodeRow> Parse(string stdout)
    {
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length == 0 || !lines[0].StartsWith("ID ", StringComparison.Ordinal))
        {
            throw new FormatException("not `node ls` output: " + stdout);
        }
        var starts = Headers.Select(h => lines[0].IndexOf(h, StringComparison.Ordinal)).ToArray();
        if (starts.Any(s => s < 0))
        {
            throw new FormatException("`node ls` header lacks a column: " + lines[0]);
        }
        var rows = new List<NodeRow>();
        foreach (var line in lines.Skip(1))
        {
            string Cell(int i) => starts[i] >= line.Length ? ""
                : (i + 1 < starts.Length ? line[starts[i]..Math.Min(starts[i + 1], line.Length)] : line[starts[i]..]).Trim();
            var id = Cell(0);
            var self = id.EndsWith(" *", StringComparison.Ordinal);
            rows.Add(new NodeRow(self ? id[..^2] : id, self, Cell(1), Cell(2), Cell(3), Cell(4), Cell(5)));
        }
        return rows;
    }
}
