namespace Orch.Manager.State;

/// <summary>A Raft member as seen from this manager. <paramref name="ApiAddress"/> is null until its metadata is known.</summary>
internal sealed record ManagerMember(string RaftAddress, string? ApiAddress, bool IsLocal);
