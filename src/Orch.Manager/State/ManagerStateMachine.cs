using System.Buffers;
using DotNext.IO;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Orch.Api.V1.Objects;

namespace Orch.Manager.State;

/// <summary>
/// Binds the <see cref="ClusterState"/> to DotNext's log. Committed entries arrive here in log
/// order on every manager (also when the log is replayed at start-up); the result of a command
/// goes back to the waiting proposer through <see cref="LogEntry.Context"/> (leader only).
/// Snapshots are full images of the state in a <see cref="SnapshotFrame"/>.
/// </summary>
internal sealed partial class ManagerStateMachine(
    DirectoryInfo snapshots, ClusterState state, int snapshotEvery, ILogger<ManagerStateMachine> logger)
    : SimpleStateMachine(snapshots)
{
    private long sinceSnapshot;

    public ClusterState State => state;

    /// <summary>Log index and term of the last command applied (0 when none since start).</summary>
    public (long Index, long Term) LastApplied { get; private set; }

    protected override ValueTask<bool> ApplyAsync(LogEntry entry, CancellationToken token)
    {
        // Leader no-ops never come here. Membership entries usually arrive with an empty payload,
        // but with their payload when a restarted member replays them: skip them by kind.
        if (entry.IsConfiguration)
        {
            return new(false);
        }
        var payload = ReadPayload(entry);
        if (payload.IsEmpty)
        {
            return new(false);
        }
        Command command;
        try
        {
            command = Command.Parser.ParseFrom(payload);
        }
        catch (InvalidProtocolBufferException e)
        {
            // Every manager has the same bytes at this index: skipping would diverge nobody, but a
            // command we cannot read means a version mismatch or a corrupt log; say so loudly.
            LogUndecodable(entry.Index, e.Message);
            throw new InvalidDataException($"Raft entry {entry.Index} is not an orch command: {e.Message}", e);
        }
        var result = state.Apply(command, (ulong)entry.Index);
        LastApplied = (entry.Index, entry.Term);
        if (entry.Context is TaskCompletionSource<CommandResult> waiting)
        {
            waiting.TrySetResult(result);
        }
        if (++sinceSnapshot < snapshotEvery)
        {
            return new(false);
        }
        sinceSnapshot = 0;
        return new(true);
    }

    protected override ValueTask PersistAsync(IAsyncBinaryWriter writer, CancellationToken token)
    {
        var frame = SnapshotFrame.Encode(state.ToSnapshot());
        LogSnapshotWritten(state.AppliedIndex, frame.Length);
        return writer.WriteAsync(frame, lengthFormat: null, token);
    }

    protected override async ValueTask RestoreAsync(FileInfo snapshot, CancellationToken token)
    {
        var bytes = await File.ReadAllBytesAsync(snapshot.FullName, token);
        StoreSnapshot image;
        try
        {
            image = SnapshotFrame.Decode(bytes, snapshot.FullName);
        }
        catch (Exception e) when (e is InvalidDataException or InvalidProtocolBufferException)
        {
            LogSnapshotRefused(snapshot.FullName, e.Message);
            throw;
        }
        state.Restore(image);
        LogSnapshotRestored(snapshot.Name, image.AppliedIndex, image.Nodes.Count, image.Tasks.Count);
    }

    private static ReadOnlySequence<byte> ReadPayload(in LogEntry entry)
    {
        if (entry.TryGetPayload(out var payload))
        {
            return payload;
        }
        var writer = new ArrayBufferWriter<byte>();
        foreach (var chunk in entry.GetPayload())
        {
            writer.Write(chunk.Span);
        }
        return new ReadOnlySequence<byte>(writer.WrittenMemory);
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "Raft entry {Index} cannot be decoded as a command: {Error}")]
    private partial void LogUndecodable(long index, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "snapshot written at index {Index} ({Bytes} bytes)")]
    private partial void LogSnapshotWritten(ulong index, int bytes);

    [LoggerMessage(Level = LogLevel.Critical, Message = "snapshot {Path} refused: {Error}")]
    private partial void LogSnapshotRefused(string path, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "snapshot {Name} restored: index {Index}, {Nodes} nodes, {Tasks} tasks")]
    private partial void LogSnapshotRestored(string name, ulong index, int nodes, int tasks);
}
