using System.Diagnostics;
using Orch.Manager.State;

namespace Orch.Manager.Tests.Raft;

/// <summary>
/// Several in-process managers formed the swarm way: the first inits, the others join empty
/// and are added by the leader. Owns their data dirs (a temp dir removed at dispose).
/// </summary>
internal sealed class ManagerCluster : IAsyncDisposable
{
    public static readonly TimeSpan ElectionBound = TimeSpan.FromSeconds(15);

    private readonly DirectoryInfo root = Directory.CreateTempSubdirectory("orch-raft-");
    private readonly ITestOutputHelper output;
    private readonly Stopwatch clock = Stopwatch.StartNew();

    private ManagerCluster(ITestOutputHelper output) => this.output = output;

    public List<TestManager> Managers { get; } = [];

    public IEnumerable<TestManager> Running => Managers.Where(m => m.Running);

    public static async Task<ManagerCluster> StartAsync(int count, ITestOutputHelper output, int snapshotEvery = 5_000)
    {
        var cluster = new ManagerCluster(output);
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var first = cluster.NewManager("m1", snapshotEvery);
            await first.StartAsync(RaftBootstrap.Init, cts.Token);
            await cluster.WaitForLeaderAsync();
            for (var i = 2; i <= count; i++)
            {
                await cluster.JoinAsync(cluster.NewManager($"m{i}", snapshotEvery), cts.Token);
            }
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public TestManager NewManager(string name, int snapshotEvery = 5_000)
    {
        var m = new TestManager(name, Path.Combine(root.FullName, name), output, clock) { SnapshotEvery = snapshotEvery };
        Managers.Add(m);
        return m;
    }

    /// <summary>The `swarm join` path: start empty in standby, then the leader adds the member.</summary>
    public async Task JoinAsync(TestManager joining, CancellationToken ct)
    {
        await joining.StartAsync(RaftBootstrap.Join, ct);
        // On two loaded cores a leader can lose its term while the new member warms up (DotNext then throws
        // NotLeaderException). A real join retries against the new leader; so does the fixture, a few times.
        for (var attempt = 1; ; attempt++)
        {
            var leader = await WaitForLeaderAsync(except: joining);
            try
            {
                await leader.Live.AddMemberAsync(joining.RaftEndPoint, ct);
                break;
            }
            catch (DotNext.Net.Cluster.Consensus.Raft.NotLeaderException) when (attempt < 3)
            {
                output.WriteLine($"join of {joining.RaftEndPoint}: leader changed during warm-up, retrying (attempt {attempt})");
            }
        }
        await joining.Live.Readiness.WaitAsync(ct);
    }

    /// <summary>Waits until exactly one running manager leads and every running one knows it.</summary>
    /// <param name="except">A manager still in standby (joining), which cannot know the leader yet.</param>
    public async Task<TestManager> WaitForLeaderAsync(TimeSpan? timeout = null, TestManager? except = null)
    {
        TestManager? leader = null;
        await Eventually.TrueAsync(() =>
        {
            var members = Running.Where(m => m != except).ToList();
            var leaders = members.Where(m => m.Live.IsLeader).ToList();
            leader = leaders.Count == 1 ? leaders[0] : null;
            return leader is not null && members.All(m => m.Live.Leader?.RaftAddress == leader.RaftEndPoint.ToString());
        }, timeout ?? ElectionBound, "one leader known to every running manager", Describe);
        return leader!;
    }

    /// <summary>Waits until every running manager has applied the same commands to the same state.</summary>
    public async Task WaitForConvergedAsync(TimeSpan? timeout = null)
    {
        await Eventually.TrueAsync(() =>
        {
            var images = Running.Select(m => m.Live.State.ToSnapshot()).ToList();
            return images.All(i => i.Equals(images[0]));
        }, timeout ?? TimeSpan.FromSeconds(15), "identical state on every running manager", Describe);
    }

    public string Describe() => string.Join("; ", Managers.Select(m => m.Running
        ? $"{m.Name} leader={m.Live.IsLeader} sees={m.Live.Leader?.RaftAddress ?? "none"} applied={m.Live.State.AppliedIndex}"
        : $"{m.Name} down"));

    public async ValueTask DisposeAsync()
    {
        foreach (var m in Managers)
        {
            await m.DisposeAsync();
        }
        root.Delete(recursive: true);
    }
}
