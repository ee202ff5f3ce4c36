using System.Text.Json;
using System.Text.RegularExpressions;
using Orch.Testing;
using Orch.Testing.Cluster;

namespace Orch.Cluster.Tests;

/// <summary>What a user does and checks with the CLI on a test cluster; nodes are numbered as in cluster.sh (hostname nK).</summary>
internal static class Swarm
{
    public static readonly TimeSpan Settle = TimeSpan.FromSeconds(60);

    /// <summary>The daemon's refusal when the managers cannot commit ("no quorum" / "no leader", control.proto).</summary>
    public static readonly Regex NoQuorum = new("no quorum|no leader", RegexOptions.IgnoreCase);

    public static async Task<CommandResult> MustAsync(TestCluster c, int k, params string[] args)
    {
        var r = await c.OrchAsync(k, args);
        Assert.True(r.ExitCode == 0, $"node {k}: {r}\n{c.Logs()}");
        return r;
    }

    public static async Task<List<NodeRow>> NodeLsAsync(TestCluster c, int k) =>
        NodeList.Parse((await MustAsync(c, k, "node", "ls")).Stdout);

    public static int NodeNumber(string hostname) => int.Parse(hostname.TrimStart('n'), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Waits until `node ls` through node K lists <paramref name="count"/> nodes with exactly one Leader other than
    /// <paramref name="not"/>; returns the leader's node number.
    /// </summary>
    public static async Task<int> LeaderAsync(TestCluster c, int k, int count, int not = 0)
    {
        var r = await Eventually.MatchAsync(
            () => c.OrchAsync(k, "node", "ls"),
            r => r.ExitCode == 0 && NodeList.Parse(r.Stdout) is var rows && rows.Count == count
                 && rows.Count(n => n.ManagerStatus == "Leader") == 1
                 && rows.Single(n => n.ManagerStatus == "Leader").Hostname != $"n{not}",
            $"node ls through n{k} shows {count} nodes and one Leader" + (not > 0 ? $" other than n{not}" : ""), Settle);
        return NodeNumber(NodeList.Parse(r.Stdout).Single(n => n.ManagerStatus == "Leader").Hostname);
    }

    /// <summary>Node K's labels as `node inspect` (through node <paramref name="via"/>) shows them.</summary>
    public static async Task<Dictionary<string, string>> LabelsAsync(TestCluster c, int via, int k)
    {
        var r = await MustAsync(c, via, "node", "inspect", $"n{k}");
        using var doc = JsonDocument.Parse(r.Stdout);
        return doc.RootElement[0].GetProperty("Spec").GetProperty("Labels").EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.GetString() ?? "");
    }

    /// <summary>`node update --label-add KEY=VALUE nK` through node <paramref name="via"/>, which must succeed.</summary>
    public static Task<CommandResult> AddLabelAsync(TestCluster c, int via, int k, string key, string value) =>
        MustAsync(c, via, "node", "update", "--label-add", $"{key}={value}", $"n{k}");

    /// <summary>The same write, retried until it succeeds (right after a failover the first may still meet the old leader).</summary>
    public static Task<CommandResult> EventuallyAddLabelAsync(TestCluster c, int via, int k, string key, string value) =>
        Eventually.MatchAsync(() => c.OrchAsync(via, "node", "update", "--label-add", $"{key}={value}", $"n{k}"),
            r => r.ExitCode == 0, $"a write (label {key}) through n{via} succeeds", Settle, TimeSpan.FromSeconds(1));

    /// <summary>Waits until node <paramref name="via"/> sees every label in <paramref name="expected"/> on node K.</summary>
    public static Task HasLabelsAsync(TestCluster c, int via, int k, IReadOnlyDictionary<string, string> expected) =>
        Eventually.MatchAsync(async () => await c.OrchAsync(via, "node", "inspect", $"n{k}"),
            r => r.ExitCode == 0 && expected.All(e => Labels(r.Stdout).TryGetValue(e.Key, out var v) && v == e.Value),
            $"n{via} sees labels {string.Join(',', expected.Select(e => e.Key + "=" + e.Value))} on n{k}", Settle);

    public static Dictionary<string, string> Labels(string inspectJson)
    {
        using var doc = JsonDocument.Parse(inspectJson);
        return doc.RootElement[0].GetProperty("Spec").GetProperty("Labels").EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.GetString() ?? "");
    }

    /// <summary>The value at a dotted path of `swarm inspect`'s single object (e.g. "Spec.Orchestration.TaskHistoryRetentionLimit").</summary>
    public static async Task<string> SwarmFieldAsync(TestCluster c, int k, string path)
    {
        var r = await MustAsync(c, k, "swarm", "inspect");
        using var doc = JsonDocument.Parse(r.Stdout);
        var e = doc.RootElement[0];
        foreach (var part in path.Split('.'))
        {
            e = e.GetProperty(part);
        }
        return e.ToString();
    }
}
