using System.Diagnostics;
using Orch.Api.V1.Objects;
using Task = System.Threading.Tasks.Task;
using Orch.Manager.State;
using static Orch.Manager.Tests.Commands;

namespace Orch.Manager.Tests.Raft;

/// <summary>
/// Real DotNext TCP Raft between in-process managers on 127.0.0.1, default (production) timeouts.
/// Each test bounds its own waits; the whole class runs in well under a minute on 2 busy cores.
/// </summary>
public sealed class RaftStoreTests(ITestOutputHelper output)
{
    private static CancellationToken Within(int seconds) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    private static async Task<CommandResult> CreateNodeAsync(TestManager via, string id, string requestId = "")
    {
        var result = await via.Live.ProposeAsync(Create(Node(id), requestId), Within(10));
        Assert.True(result.Error == CommandErrorCode.None, $"create {id} via {via.Name}: {result.Error} {result.Message}");
        return result;
    }

    [Fact]
    public async Task ThreeManagers_WritesFromEveryMember_SameStateInSameOrderEverywhere()
    {
        await using var cluster = await ManagerCluster.StartAsync(3, output);
        using var watch = cluster.Managers[2].Live.Watch();

        // Writes through every member at once: followers forward to the leader.
        var writes = Enumerable.Range(0, 30).Select(i => CreateNodeAsync(cluster.Managers[i % 3], $"node-{i:D2}"));
        var results = await Task.WhenAll(writes);

        Assert.Equal(30, results.Select(r => r.Index).Distinct().Count());
        await cluster.WaitForConvergedAsync();
        foreach (var m in cluster.Managers)
        {
            var nodes = m.Live.ReadLocal(s => s.ListNodes());
            Assert.Equal(30, nodes.Count);
            // Versions are log indexes: equal on every manager only if every manager applied the same order.
            Assert.Equal(results.Select(r => r.Objects[0].Node.Meta.Version).Order(), nodes.Select(n => n.Meta.Version).Order());
        }

        // A watcher on a follower saw every create, in log order.
        var events = new List<StoreEvent>();
        while (watch.Events.TryRead(out var e))
        {
            events.Add(e);
        }
        Assert.Equal(30, events.Count(e => e.Kind == StoreEventKind.Created));
        Assert.Equal(events.Select(e => e.Index).Order(), events.Select(e => e.Index));
    }

    [Fact]
    public async Task FollowerWrite_IsForwardedToLeader_AndFreshReadSeesIt()
    {
        await using var cluster = await ManagerCluster.StartAsync(3, output);
        var leader = await cluster.WaitForLeaderAsync();
        var follower = cluster.Managers.First(m => m != leader);

        var result = await CreateNodeAsync(follower, "from-follower");

        Assert.True(result.Index > 0);
        Assert.NotNull(leader.Live.ReadLocal(s => s.GetNode("from-follower")));
        var other = cluster.Managers.First(m => m != leader && m != follower);
        Assert.NotNull(await other.Live.ReadAsync(s => s.GetNode("from-follower"), Within(10)));
    }

    [Fact]
    public async Task RetriedRequestId_AppliedOnce_SecondGetsFirstOutcome()
    {
        await using var cluster = await ManagerCluster.StartAsync(3, output);
        var leader = await cluster.WaitForLeaderAsync();
        var follower = cluster.Managers.First(m => m != leader);

        var first = await CreateNodeAsync(follower, "dedupe", requestId: "req-42");
        // The same request again (a client retrying after an ambiguous failure), via another member:
        // without dedupe it would fail with ALREADY_EXISTS.
        var again = await leader.Live.ProposeAsync(Create(Node("dedupe"), "req-42"), Within(10));

        Assert.Equal(CommandErrorCode.None, again.Error);
        Assert.True(again.Duplicate);
        Assert.Equal(first.Index, again.Index);
        Assert.Equal(first.Index, leader.Live.ReadLocal(s => s.GetNode("dedupe"))!.Meta.Version);
        // With the object, as the first answer had it: the control API answers a write with Objects[0]
        // (found by the chaos test: a retried `node update` that had been applied failed with "Exception was thrown by handler").
        Assert.Equal("dedupe", Assert.Single(again.Objects).Node.Id);
    }

    [Fact]
    public async Task WholeClusterRestarted_SnapshotPlusLogReplay_IdenticalState()
    {
        await using var cluster = await ManagerCluster.StartAsync(3, output, snapshotEvery: 10);
        for (var i = 0; i < 25; i++)
        {
            await CreateNodeAsync(cluster.Managers[i % 3], $"n{i:D2}");
        }
        await cluster.WaitForConvergedAsync();
        var before = cluster.Managers[0].Live.State.ToSnapshot();
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(cluster.Managers[0].DataDir, "snapshots")));

        foreach (var m in cluster.Managers)
        {
            await m.StopAsync();
        }
        foreach (var m in cluster.Managers)
        {
            await m.StartAsync(RaftBootstrap.Restart, Within(20));
        }
        await cluster.WaitForLeaderAsync();

        foreach (var m in cluster.Managers)
        {
            Assert.Equal(before, m.Live.State.ToSnapshot());
        }
        await CreateNodeAsync(cluster.Managers[1], "after-restart");
        await cluster.WaitForConvergedAsync();
    }

    [Fact]
    public async Task LeaderKilled_NewLeaderElected_WritesContinue_OldLeaderCatchesUp()
    {
        await using var cluster = await ManagerCluster.StartAsync(3, output);
        var leader = await cluster.WaitForLeaderAsync();
        await CreateNodeAsync(leader, "before");

        await leader.StopAsync();
        var survivor = cluster.Running.First();
        var clock = Stopwatch.StartNew();
        // A write racing the election may fail with UNAVAILABLE; the contract is to retry it with
        // the same request id (applied at most once), as a client would.
        CommandResult? during = null;
        while (during is null)
        {
            try
            {
                during = await survivor.Live.ProposeAsync(Create(Node("during"), "req-during"), Within(10));
            }
            catch (StoreUnavailableException e) when (clock.Elapsed < ManagerCluster.ElectionBound)
            {
                output.WriteLine($"retrying after {clock.ElapsedMilliseconds} ms: {e.Message}");
            }
        }
        Assert.Equal(CommandErrorCode.None, during.Error);
        output.WriteLine($"first write after the leader stopped: {clock.ElapsedMilliseconds} ms");
        var newLeader = await cluster.WaitForLeaderAsync();
        Assert.NotSame(leader, newLeader);

        await leader.StartAsync(RaftBootstrap.Restart, Within(20));
        await cluster.WaitForLeaderAsync();
        await cluster.WaitForConvergedAsync();
        Assert.NotNull(leader.Live.ReadLocal(s => s.GetNode("during")));
    }

    [Fact]
    public async Task TwoOfThreeDown_WriteFailsFastWithNoQuorum_ThenRecoversWhenOneReturns()
    {
        await using var cluster = await ManagerCluster.StartAsync(3, output);
        await CreateNodeAsync(cluster.Managers[0], "kept");
        var leader = await cluster.WaitForLeaderAsync();
        var downed = cluster.Managers.Where(m => m != leader).ToList();
        foreach (var m in downed)
        {
            await m.StopAsync();
        }

        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<StoreUnavailableException>(() => leader.Live.ProposeAsync(Create(Node("lost")), Within(30)));
        clock.Stop();
        output.WriteLine($"failed after {clock.ElapsedMilliseconds} ms: {e.Message}");
        Assert.StartsWith("no quorum:", e.Message);
        Assert.Contains("of 3 managers reachable", e.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"the write took {clock.Elapsed} to fail");
        // A leader without its majority stops acting as leader (leader-only loops see their token cancelled).
        await Eventually.TrueAsync(() => !leader.Live.IsLeader, TimeSpan.FromSeconds(5), "the isolated leader stepped down", cluster.Describe);

        await downed[0].StartAsync(RaftBootstrap.Restart, Within(20));
        await cluster.WaitForLeaderAsync();
        await CreateNodeAsync(downed[0], "after-recovery");
        await cluster.WaitForConvergedAsync();
        Assert.NotNull(downed[0].Live.ReadLocal(s => s.GetNode("kept")));
    }

    [Fact]
    public async Task ForceNewCluster_FromLoneSurvivorDataDir_HasAllStateAndTakesWrites()
    {
        await using var cluster = await ManagerCluster.StartAsync(3, output, snapshotEvery: 8);
        // An election first, so that the log holds entries of a later term than the first.
        var first = await cluster.WaitForLeaderAsync();
        await first.StopAsync();
        await cluster.WaitForLeaderAsync();
        await first.StartAsync(RaftBootstrap.Restart, Within(20));
        for (var i = 0; i < 20; i++)
        {
            await CreateNodeAsync(cluster.Managers[i % 3], $"n{i:D2}");
        }
        await cluster.WaitForConvergedAsync();
        var survivor = cluster.Managers[2];
        var before = survivor.Live.State.ToSnapshot();
        output.WriteLine("survivor snapshots: " + string.Join(", ", Directory.GetFiles(Path.Combine(survivor.DataDir, "snapshots")).Select(Path.GetFileName)));
        foreach (var m in cluster.Managers)
        {
            await m.StopAsync();
        }

        await survivor.StartAsync(RaftBootstrap.ForceNewCluster, Within(20));
        await cluster.WaitForLeaderAsync();

        Assert.Single(survivor.Live.Members);
        Assert.Equal(before.Nodes, survivor.Live.State.ToSnapshot().Nodes);
        await CreateNodeAsync(survivor, "after-force");
        Assert.Equal(21, survivor.Live.ReadLocal(s => s.ListNodes()).Count);

        // And it stays a one-manager cluster across a restart.
        await survivor.StopAsync();
        await survivor.StartAsync(RaftBootstrap.Restart, Within(20));
        await cluster.WaitForLeaderAsync();
        Assert.Equal(21, survivor.Live.ReadLocal(s => s.ListNodes()).Count);

        // A wiped former manager joins the new cluster and receives everything (InstallSnapshot).
        var rejoining = cluster.Managers[0];
        Directory.Delete(rejoining.DataDir, recursive: true);
        await cluster.JoinAsync(rejoining, Within(20));
        await cluster.WaitForConvergedAsync();
        Assert.Equal(21, rejoining.Live.ReadLocal(s => s.ListNodes()).Count);
        await CreateNodeAsync(rejoining, "via-rejoined");
        await cluster.WaitForConvergedAsync();
    }

    [Fact]
    public async Task TruncatedSnapshot_RestartRefusedLoudly()
    {
        await using var cluster = await ManagerCluster.StartAsync(1, output, snapshotEvery: 5);
        var m = cluster.Managers[0];
        for (var i = 0; i < 12; i++)
        {
            await CreateNodeAsync(m, $"n{i:D2}");
        }
        await m.StopAsync();
        var snapshots = Directory.GetFiles(Path.Combine(m.DataDir, "snapshots"));
        output.WriteLine("snapshots: " + string.Join(", ", snapshots.Select(Path.GetFileName)));
        // Files are named "{index}-{term}"; the newest has the highest index.
        var newest = snapshots.MaxBy(f => long.Parse(Path.GetFileName(f).Split('-')[0]))!;
        var bytes = await File.ReadAllBytesAsync(newest);
        await File.WriteAllBytesAsync(newest, bytes[..(bytes.Length / 2)]);

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => m.StartAsync(RaftBootstrap.Restart, Within(20)));
        Assert.Contains("truncated", e.Message);
        Assert.Contains(Path.GetFileName(newest), e.Message);
    }

    [Fact]
    public async Task InitOnExistingState_RefusedWithReason()
    {
        await using var cluster = await ManagerCluster.StartAsync(1, output);
        var m = cluster.Managers[0];
        await CreateNodeAsync(m, "n1");
        await m.StopAsync();

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => m.StartAsync(RaftBootstrap.Init, Within(10)));
        Assert.Contains("already holds manager state", e.Message);
    }

    [Fact]
    public async Task ManagerRemoved_TwoRemainingKeepCommitting()
    {
        await using var cluster = await ManagerCluster.StartAsync(3, output);
        var leader = await cluster.WaitForLeaderAsync();
        var leaving = cluster.Managers.First(m => m != leader);

        await leader.Live.RemoveMemberAsync(leaving.RaftEndPoint, Within(10));
        // A removed member is not told (notes §4): its owner stops it and wipes its Raft data.
        await leaving.StopAsync();

        Assert.Equal(2, leader.Live.Members.Count);
        await CreateNodeAsync(cluster.Running.First(m => m != leader), "after-removal");
        await cluster.WaitForConvergedAsync();
    }
}
