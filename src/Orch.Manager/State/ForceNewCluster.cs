using System.Globalization;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;
using Microsoft.Extensions.Logging;

namespace Orch.Manager.State;

/// <summary>
/// `--force-new-cluster`: turns a manager's data dir into the start of a new one-manager cluster
/// with all of its state. The old log cannot simply be reused: it holds the old membership
/// entries, which a replay would install again (notes §11.9). So, offline: restore the newest
/// snapshot, replay the committed log into the state machine, write the result as a fresh
/// snapshot at the last applied index, and move the old log and membership aside
/// (data-dir/pre-force-&lt;time&gt;/, never deleted).
/// </summary>
internal static partial class ForceNewCluster
{
    public static async Task PrepareAsync(RaftStoreOptions options, ILoggerFactory loggers, CancellationToken ct)
    {
        var logger = loggers.CreateLogger(typeof(ForceNewCluster).FullName!);
        var aside = Path.Combine(options.DataDir, "pre-force-" + options.Time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(aside);
        var replayMembers = Path.Combine(aside, "replayed-members.bin");

        var state = new ClusterState();
        var machine = new ManagerStateMachine(new DirectoryInfo(options.SnapshotsDir), state, int.MaxValue,
            loggers.CreateLogger<ManagerStateMachine>());
        (long Index, long Term) last;
        try
        {
            Directory.CreateDirectory(options.SnapshotsDir);
            Directory.CreateDirectory(options.WalDir);
            await machine.RestoreAsync(ct);
            using var members = new EndPointConfigurationStorage(replayMembers);
            var wal = new WriteAheadLog(new WriteAheadLog.Options { Location = options.WalDir, ChunkSize = options.WalChunkSize }, machine)
            {
                // Old membership entries land here, in the set-aside directory, and stay there.
                ConfigurationStorage = members,
            };
            try
            {
                await wal.InitializeAsync(ct);
                await wal.WaitForApplyAsync(wal.LastCommittedEntryIndex, ct);
            }
            finally
            {
                await wal.DisposeAsync();
            }
            last = machine.LastApplied;
        }
        finally
        {
            await machine.DisposeAsync();
        }

        var newestSnapshot = Directory.EnumerateFiles(options.SnapshotsDir)
            .Where(f => SnapshotIndex(f) >= 0).MaxBy(SnapshotIndex);
        Directory.Move(options.WalDir, Path.Combine(aside, "wal"));
        Directory.Move(options.SnapshotsDir, Path.Combine(aside, "snapshots"));
        if (File.Exists(options.MembersFile))
        {
            File.Move(options.MembersFile, Path.Combine(aside, "members.bin"));
        }
        Directory.CreateDirectory(options.SnapshotsDir);
        if (last.Index > 0)
        {
            // SimpleStateMachine names snapshot files "{index}-{term}".
            var name = $"{last.Index.ToString(CultureInfo.InvariantCulture)}-{last.Term.ToString(CultureInfo.InvariantCulture)}";
            AtomicFile.Write(Path.Combine(options.SnapshotsDir, name), SnapshotFrame.Encode(state.ToSnapshot()));
        }
        else if (newestSnapshot is not null)
        {
            File.Copy(Path.Combine(aside, "snapshots", Path.GetFileName(newestSnapshot)),
                Path.Combine(options.SnapshotsDir, Path.GetFileName(newestSnapshot)));
        }
        LogPrepared(logger, state.AppliedIndex, state.ListNodes().Count, aside);
    }

    // SimpleStateMachine names snapshot files "{index}-{term}"; anything else is not a snapshot.
    private static long SnapshotIndex(string path) =>
        long.TryParse(Path.GetFileName(path).Split('-')[0], NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : -1;

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "force-new-cluster: state up to index {Index} kept ({Nodes} nodes); old log and membership moved to {Aside}")]
    private static partial void LogPrepared(ILogger logger, ulong index, int nodes, string aside);
}
