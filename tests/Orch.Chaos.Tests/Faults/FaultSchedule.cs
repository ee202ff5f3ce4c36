namespace Orch.Chaos.Tests.Faults;

public enum FaultKind
{
    /// <summary>kill -9 of the leader's orchd; started again after the hold.</summary>
    KillLeader,
    /// <summary>kill -9 of a worker's orchd (its containers keep running); started again after the hold.</summary>
    KillWorker,
    /// <summary>A manager's link taken down (a real partition; the leader half the time), restored after the hold.</summary>
    CutManager,
    /// <summary>SIGTERM of any node's orchd, then started again after the hold.</summary>
    RestartNode,
}

/// <summary>One fault: what, which target choice (resolved against the cluster when injected), how long it holds, and the pause after it.</summary>
public sealed record FaultStep(FaultKind Kind, int Choice, TimeSpan Hold, TimeSpan Gap)
{
    public override string ToString() => $"{Kind}(choice {Choice}, hold {Hold.TotalSeconds:0.#}s, gap {Gap.TotalSeconds:0.#}s)";
}

/// <summary>
/// The faults of a run, derived from its seed alone, one at a time (each healed before the next, so a majority
/// of managers is back between faults). Long enough to cover <c>duration</c>.
/// </summary>
public static class FaultSchedule
{
    public static IReadOnlyList<FaultStep> For(int seed, TimeSpan duration, IReadOnlyList<FaultKind> kinds)
    {
        if (kinds.Count == 0)
        {
            return [];
        }
        var random = new Random(seed);
        var steps = new List<FaultStep>();
        var total = TimeSpan.Zero;
        while (total < duration)
        {
            var step = new FaultStep(kinds[random.Next(kinds.Count)], random.Next(1000),
                TimeSpan.FromSeconds(random.Next(3, 9)), TimeSpan.FromSeconds(random.Next(3, 7)));
            steps.Add(step);
            total += step.Hold + step.Gap;
        }
        return steps;
    }

    /// <summary>Parses "KillLeader,CutManager" (case-insensitive); empty = every kind.</summary>
    public static IReadOnlyList<FaultKind> ParseKinds(string? text) =>
        string.IsNullOrWhiteSpace(text)
            ? Enum.GetValues<FaultKind>()
            : [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(k => Enum.TryParse<FaultKind>(k, ignoreCase: true, out var kind) ? kind
                    : throw new ArgumentException($"unknown fault kind '{k}' (known: {string.Join(", ", Enum.GetNames<FaultKind>())})"))];
}
