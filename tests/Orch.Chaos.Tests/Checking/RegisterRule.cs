namespace Orch.Chaos.Tests.Checking;

/// <summary>
/// The check for one register (a node label key, or a service's register label): a value that only writes
/// change, each write with a value nobody else writes. A simple form of Knossos' linearizability check that
/// needs no search, because only the final value is observed.
/// <para>
/// Each write took effect (if at all) at one instant between its call's start and the latest moment it could
/// have (<see cref="OpRecord.LatestEffect"/>: its end if acknowledged, never if failed, any time later if
/// unknown). The final value is the value of the write that took effect last. So:
/// </para>
/// <list type="number">
/// <item>The final value must be the value of a write that was not refused (<see cref="Outcome.Failed"/>),
/// else it is a phantom: a refused call changed the state, or a value came from nowhere.</item>
/// <item>If write W holds the final value, no acknowledged write A can have started after W's latest effect:
/// A took effect after its start, hence after W, and W would have been overwritten. Such a final value means A
/// was lost (or W was applied a second time after A, a duplicate; the history cannot tell the two apart and
/// both are violations). An unknown W has no latest effect, so it can win over anything.</item>
/// <item>An absent value is allowed only if no write was acknowledged (absence is the initial value; the
/// workload never removes a register).</item>
/// </list>
/// </summary>
internal static class RegisterRule
{
    public static IEnumerable<Violation> Check(string subject, IReadOnlyList<OpRecord> writes, string? final)
    {
        var byValue = new Dictionary<string, OpRecord>(StringComparer.Ordinal);
        foreach (var w in writes)
        {
            if (!byValue.TryAdd(w.Value, w))
            {
                throw new ArgumentException($"history is malformed: value {w.Value} of {subject} is written by #{byValue[w.Value].Id} and #{w.Id}");
            }
        }
        var acknowledged = writes.Where(w => w.Outcome == Outcome.Acknowledged).ToList();
        if (final is null)
        {
            if (acknowledged.Count > 0)
            {
                yield return new Violation(Rule.LostWrite, subject,
                    $"no value, but {acknowledged.Count} write(s) were acknowledged, e.g. {acknowledged[0]}");
            }
            yield break;
        }
        if (!byValue.TryGetValue(final, out var winner))
        {
            yield return new Violation(Rule.PhantomValue, subject, $"final value {final} was never written");
            yield break;
        }
        if (winner.Outcome == Outcome.Failed)
        {
            yield return new Violation(Rule.PhantomValue, subject, $"final value {final} comes from a call that failed: {winner}");
        }
        var later = acknowledged.Where(a => a.Start > winner.LatestEffect).OrderBy(a => a.Start).ToList();
        if (later.Count > 0)
        {
            yield return new Violation(Rule.LostWrite, subject,
                $"final value {final} is from {winner}, but {later.Count} acknowledged write(s) started after it had ended, " +
                $"e.g. {later[^1]}");
        }
    }
}
