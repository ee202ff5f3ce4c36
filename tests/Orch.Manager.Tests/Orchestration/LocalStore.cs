using Google.Protobuf.WellKnownTypes;
using Orch.Api.V1.Objects;
using Orch.Manager.State;
using Task = System.Threading.Tasks.Task;

namespace Orch.Manager.Tests.Orchestration;

/// <summary>
/// The IReplicatedStore seam over one ClusterState, as a single always-leader manager: commands
/// are stamped with the clock's time (as the leader stamps them) and applied at the next index.
/// The loops under test cannot tell it from RaftStore except that it never fails to commit.
/// </summary>
internal sealed class LocalStore(TimeProvider time) : IReplicatedStore
{
    private readonly Lock gate = new();
    private ulong index;

    public ClusterState State { get; } = new();

    public bool IsLeader => true;

    public ManagerMember? Leader => null;

    public Task<CommandResult> ProposeAsync(Command command, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var stamped = command.Clone();
        stamped.StampedAt = Timestamp.FromDateTimeOffset(time.GetUtcNow());
        if (stamped.RequestId.Length == 0)
        {
            stamped.RequestId = Guid.NewGuid().ToString("N");
        }
        lock (gate)
        {
            return Task.FromResult(State.Apply(stamped, ++index));
        }
    }

    public Task<T> ReadAsync<T>(Func<ClusterState, T> read, CancellationToken ct) => Task.FromResult(read(State));

    public T ReadLocal<T>(Func<ClusterState, T> read) => read(State);

    public StoreWatch Watch() => State.Watch();

    public Task<CancellationToken> WaitForLeadershipAsync(CancellationToken ct) => Task.FromResult(ct);
}
