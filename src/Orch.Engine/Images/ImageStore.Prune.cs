namespace Orch.Engine.Images;

public sealed partial class ImageStore
{
    /// <summary>
    /// `orch image prune`: removes dangling images (no name), or with <paramref name="all"/> every image no
    /// container uses, with the layers only they referenced. Returns Docker's "untagged: …"/"deleted: …" lines
    /// and the bytes of unpacked layers freed.
    /// </summary>
    public (IReadOnlyList<string> Lines, long Reclaimed) Prune(bool all, Func<string, string?> usedBy)
    {
        lock (gate)
        {
            var lines = new List<string>();
            long reclaimed = 0;
            var tagged = index.Tags.Values.Concat(index.Digests.Values).ToHashSet(StringComparer.Ordinal);
            foreach (var id in index.Images.Keys.ToList())
            {
                if ((!all && tagged.Contains(id)) || usedBy(id) is not null)
                {
                    continue;
                }
                var untagged = new List<string>();
                foreach (var name in index.Tags.Where(kv => kv.Value == id).Select(kv => kv.Key)
                             .Concat(index.Digests.Where(kv => kv.Value == id).Select(kv => kv.Key)).ToList())
                {
                    Untag(name, untagged);
                }
                lines.AddRange(untagged.Select(u => "untagged: " + u));
                var sizes = index.Images[id].ChainIds.Zip(index.Images[id].LayerSizes).ToDictionary(p => p.First, p => p.Second);
                foreach (var deleted in DeleteImage(id))
                {
                    lines.Add("deleted: " + deleted);
                    reclaimed += sizes.GetValueOrDefault(deleted);
                }
            }
            return (lines, reclaimed);
        }
    }
}
