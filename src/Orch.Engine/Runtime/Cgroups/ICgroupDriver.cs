namespace Orch.Engine.Runtime.Cgroups;

/// <summary>
/// Seam over the kernel's cgroup filesystems. Two implementations: v1 (one hierarchy per controller,
/// what these machines run in hybrid mode) and v2 (unified). Chosen at start-up from /proc/self/mountinfo
/// by <see cref="CgroupDriver.Detect(string)"/>.
/// Contract: names are relative to the driver's parent (e.g. "&lt;id&gt;" under "orch"); Create is idempotent;
/// Delete removes the group in every hierarchy and fails loudly if processes remain.
/// Failures are <see cref="CgroupException"/> with a message naming the file and the value.
/// </summary>
public interface ICgroupDriver
{
    /// <summary>"1" (v1 or hybrid) or "2" (unified).</summary>
    string Version { get; }

    /// <summary>Creates the group with limits applied, before any process joins it.</summary>
    ICgroup Create(string name, CgroupLimits limits);

    /// <summary>
    /// Opens an existing group (after a daemon restart); does not change limits and does not check that
    /// the group exists: the Pids() of a missing group are empty and its Delete does nothing.
    /// </summary>
    ICgroup Open(string name);

    /// <summary>
    /// Call once the group is made and a process is about to join it (ahead of <see cref="ICgroup.AddProcess"/>,
    /// off the caller's path): starts the kernel's wait that the first join would pay, so the join shares it.
    /// Blocks while it waits; never throws. See <see cref="CgroupDirectories.WarmUpMigration"/>.
    /// </summary>
    void PrepareJoin();

    /// <summary>
    /// Daemon teardown: removes the parent in every hierarchy when no group is left in it.
    /// Returns false (and leaves everything) when a group remains, e.g. containers kept running across a restart.
    /// </summary>
    bool RemoveParent();
}

/// <summary>One container's cgroup, across every hierarchy it lives in.</summary>
public interface ICgroup
{
    string Name { get; }

    /// <summary>The cgroup.procs files a process must be written to in order to join (one per hierarchy).</summary>
    IReadOnlyList<string> ProcsFiles { get; }

    void AddProcess(int pid);

    IReadOnlyList<int> Pids();

    CgroupStats Stats();

    /// <summary>True when the kernel OOM-killed a process of this group.</summary>
    bool OomKilled();

    /// <summary>SIGKILL to every process in the group (freezing first where the hierarchy allows).</summary>
    void KillAll();

    /// <summary>Removes the group everywhere. Idempotent.</summary>
    void Delete();
}

/// <param name="MemoryBytes">0 = unlimited.</param>
/// <param name="NanoCpus">1e9 = one CPU; 0 = unlimited (quota over a 100 ms period).</param>
/// <param name="PidsLimit">0 = unlimited.</param>
public sealed record CgroupLimits(long MemoryBytes, long NanoCpus, long PidsLimit);

/// <param name="MemoryUsage">Usage minus inactive page cache, as `docker stats` shows it.</param>
/// <param name="MemoryLimit">The limit, or the host's MemTotal when unlimited (as `docker stats`).</param>
public sealed record CgroupStats(ulong MemoryUsage, ulong MemoryLimit, ulong CpuUsageNanos, ulong Pids);
