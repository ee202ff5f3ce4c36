namespace Orch.Engine.Images;

/// <summary>
/// Seam between `orch system df` / `orch system prune` and the builder's cache. The builder (Build/)
/// registers its implementation in orchd's DI (it replaces <see cref="NoBuildCache"/>, which orchd adds with
/// TryAddSingleton). Contract: <see cref="Usage"/> is cheap enough to call per `system df` and never
/// throws for an empty cache; <see cref="PruneAsync"/> removes entries no running build holds and returns
/// what it removed, so the CLI can list them ("Deleted build cache objects:") and add the bytes to
/// "Total reclaimed space".
/// </summary>
public interface IBuildCache
{
    BuildCacheUsage Usage();

    /// <param name="all">False: only entries no image or other entry refers to (dangling); true: every entry.</param>
    Task<BuildCachePruneResult> PruneAsync(bool all, CancellationToken ct);
}

/// <summary>The Build Cache row of `orch system df`.</summary>
/// <param name="Entries">Every cache entry (TOTAL); <paramref name="Active"/> of them held by a running build.</param>
public sealed record BuildCacheUsage(int Entries, int Active, long Size, long Reclaimable)
{
    public static BuildCacheUsage Empty { get; } = new(0, 0, 0, 0);
}

/// <param name="Deleted">IDs of the removed cache entries, as `docker builder prune` prints them.</param>
public sealed record BuildCachePruneResult(IReadOnlyList<string> Deleted, long Reclaimed)
{
    public static BuildCachePruneResult None { get; } = new([], 0);
}

/// <summary>Until the builder registers its cache: nothing cached, nothing to prune.</summary>
public sealed class NoBuildCache : IBuildCache
{
    public BuildCacheUsage Usage() => BuildCacheUsage.Empty;

    public Task<BuildCachePruneResult> PruneAsync(bool all, CancellationToken ct) => Task.FromResult(BuildCachePruneResult.None);
}
