using Orch.Engine.Images;

namespace Orch.Engine.Build;

/// <summary>
/// The builder's step cache as `orch system df` / `system prune` see it. Sizes are not tracked
/// per entry yet (the cache shares layers with images), so df shows the entry count and prune
/// reports the bytes it actually freed.
/// </summary>
internal sealed class BuilderCache(ImageBuilder builder) : IBuildCache
{
    public BuildCacheUsage Usage() => new(builder.CacheEntries, 0, 0, 0);

    public Task<BuildCachePruneResult> PruneAsync(bool all, CancellationToken ct)
    {
        // Every entry is dangling from the images' point of view: the cache only holds build steps.
        var (entries, reclaimed) = builder.PruneCache();
        IReadOnlyList<string> deleted = [.. Enumerable.Range(1, entries).Select(i => $"step {i}")];
        return Task.FromResult(new BuildCachePruneResult(deleted, reclaimed));
    }
}
