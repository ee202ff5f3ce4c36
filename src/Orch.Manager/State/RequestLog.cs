using Orch.Api.V1.Objects;

namespace Orch.Manager.State;

/// <summary>
/// The outcomes of the most recent request ids, oldest evicted first. Part of the replicated
/// state (it is in snapshots), so every manager dedupes the same way: a proposal retried after an
/// ambiguous failure is applied at most once and gets the first outcome back.
/// </summary>
internal sealed class RequestLog(int capacity)
{
    private readonly Dictionary<string, CommandResult> results = new(StringComparer.Ordinal);
    private readonly Queue<string> order = new();

    public int Count => results.Count;

    public bool TryGet(string requestId, out CommandResult result) =>
        results.TryGetValue(requestId, out result!);

    public void Add(string requestId, CommandResult result)
    {
        if (requestId.Length == 0 || !results.TryAdd(requestId, result))
        {
            return;
        }
        order.Enqueue(requestId);
        while (order.Count > capacity)
        {
            results.Remove(order.Dequeue());
        }
    }

    public void Clear()
    {
        results.Clear();
        order.Clear();
    }

    public IEnumerable<AppliedRequest> Entries() =>
        order.Select(id => new AppliedRequest { RequestId = id, Result = results[id] });
}
