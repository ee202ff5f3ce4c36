namespace Orch.Chaos.Tests.Checking;

/// <summary>
/// Services against the calls that made, changed and removed them. The workload creates each name once, so a
/// name identifies one create call; every create, update and scale writes the service's register.
/// </summary>
internal static class ServiceRules
{
    public static IEnumerable<Violation> Check(IReadOnlyList<OpRecord> history, ManagerView view)
    {
        var calls = history.Where(o => o.Kind is OpKind.CreateService or OpKind.UpdateService or OpKind.ScaleService or OpKind.RemoveService)
            .ToLookup(o => o.Target, StringComparer.Ordinal);
        var stored = view.Services.ToLookup(s => s.Name, StringComparer.Ordinal);

        foreach (var group in stored)
        {
            var subject = $"service {group.Key} (via n{view.Manager})";
            if (group.Count() > 1)
            {
                yield return new Violation(Rule.DuplicateService, subject,
                    $"{group.Count()} services ({string.Join(", ", group.Select(s => s.Id))}) from one create call");
            }
            var creates = calls[group.Key].Where(o => o.Kind == OpKind.CreateService).ToList();
            if (creates.Count == 0)
            {
                yield return new Violation(Rule.PhantomValue, subject, "exists, but no call created it");
            }
            else if (creates.All(c => c.Outcome == Outcome.Failed))
            {
                yield return new Violation(Rule.PhantomValue, subject, $"exists, but its create failed: {creates[0]}");
            }
        }

        foreach (var name in calls.Select(g => g.Key))
        {
            var subject = $"service {name} (via n{view.Manager})";
            var ops = calls[name].ToList();
            var exists = stored[name].Any();
            var removes = ops.Where(o => o.Kind == OpKind.RemoveService).ToList();
            var ackRemove = removes.FirstOrDefault(o => o.Outcome == Outcome.Acknowledged);
            var ackCreate = ops.FirstOrDefault(o => o.Kind == OpKind.CreateService && o.Outcome == Outcome.Acknowledged);
            if (!exists && ackCreate is not null && removes.All(o => o.Outcome == Outcome.Failed))
            {
                yield return new Violation(Rule.LostService, subject, $"missing, but created by {ackCreate} and never removed");
            }
            if (exists && ackRemove is not null)
            {
                yield return new Violation(Rule.LostService, subject, $"exists, but was removed by {ackRemove}");
            }
            if (!exists)
            {
                continue;
            }
            var service = stored[name].First();
            var writes = ops.Where(o => o.Kind != OpKind.RemoveService).ToList();
            foreach (var v in RegisterRule.Check(subject, writes, service.Register))
            {
                yield return v;
            }
            foreach (var v in Replicas(subject, writes, service))
            {
                yield return v;
            }
        }
    }

    // Every write carries the whole spec (read-modify-write on the stored version): the replica count is one a
    // create or scale asked for, and exactly that one if that create or scale is the write that won the register.
    private static IEnumerable<Violation> Replicas(string subject, List<OpRecord> writes, ServiceView service)
    {
        var asked = writes.Where(o => o.Replicas is not null && o.Outcome != Outcome.Failed).Select(o => o.Replicas!.Value).ToHashSet();
        if (!asked.Contains(service.Replicas))
        {
            yield return new Violation(Rule.WrongReplicas, subject,
                $"{service.Replicas} replicas, but only {string.Join(",", asked.Order())} were asked for by calls that did not fail");
        }
        var winner = writes.FirstOrDefault(o => o.Value == service.Register);
        if (winner?.Replicas is { } r && r != service.Replicas)
        {
            yield return new Violation(Rule.WrongReplicas, subject, $"{service.Replicas} replicas, but the last write {winner} set {r}");
        }
    }
}
