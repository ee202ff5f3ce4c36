namespace Orch.Manager.Supervision;

/// <summary>
/// Decides which followers are stuck (pitfall P2: after a slow InstallSnapshot the leader walks
/// its next index down one entry per round, for ever). A follower is stalled when it is behind
/// the leader's commit index by more than <c>tolerance</c> and its applied index has not grown
/// for <c>window</c>. Only followers that answered are observed: a dead follower is not P2.
/// Pure logic; the caller supplies the clock.
/// </summary>
internal sealed class ReplicationStallDetector(TimeSpan window, ulong tolerance)
{
    private readonly Dictionary<string, (ulong Best, DateTimeOffset Since)> progress = new(StringComparer.Ordinal);

    public IReadOnlyList<string> Observe(DateTimeOffset now, ulong leaderCommit, IReadOnlyDictionary<string, ulong> followerApplied)
    {
        var stalled = new List<string>();
        foreach (var (member, applied) in followerApplied)
        {
            var caughtUp = applied + tolerance >= leaderCommit;
            if (caughtUp || !progress.TryGetValue(member, out var p) || applied > p.Best)
            {
                progress[member] = (applied, now);
                continue;
            }
            if (now - p.Since >= window)
            {
                stalled.Add(member);
            }
        }
        foreach (var gone in progress.Keys.Where(k => !followerApplied.ContainsKey(k)).ToList())
        {
            progress.Remove(gone);
        }
        return stalled;
    }

    public void Reset() => progress.Clear();
}
