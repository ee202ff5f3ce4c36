namespace Orch.Engine.Images;

/// <summary>One image as `orch system df -v` lists it.</summary>
/// <param name="Size">Every layer of the image.</param>
/// <param name="SharedSize">Layers that at least one other image stacks too.</param>
/// <param name="Containers">Containers (any state) created from the image.</param>
public sealed record ImageUsage(string Id, IReadOnlyList<string> RepoTags, DateTimeOffset Created, long Size, long SharedSize, int Containers)
{
    public long UniqueSize => Size - SharedSize;
}

/// <summary>The Images row of `orch system df` and its detail.</summary>
/// <param name="LayersSize">Unpacked layers on disk, each counted once however many images stack it.</param>
/// <param name="Reclaimable">What removing every image no container uses would free: layers no such container's image stacks.</param>
public sealed record ImageDiskUsage(IReadOnlyList<ImageUsage> Images, long LayersSize, long Reclaimable)
{
    public int Active => Images.Count(i => i.Containers > 0);
}

public sealed partial class ImageStore
{
    /// <summary>
    /// `orch system df`: sizes by layer snapshot (chain ID), so a base layer that two images share is counted
    /// once in <see cref="ImageDiskUsage.LayersSize"/> and appears as shared size in both images.
    /// </summary>
    /// <param name="containersUsing">How many containers use the image with this ID.</param>
    public ImageDiskUsage DiskUsage(Func<string, int> containersUsing)
    {
        lock (gate)
        {
            var layerSize = new Dictionary<string, long>(StringComparer.Ordinal);
            var users = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var image in index.Images.Values)
            {
                foreach (var (chain, size) in image.ChainIds.Zip(image.LayerSizes))
                {
                    layerSize[chain] = size;
                    users[chain] = users.GetValueOrDefault(chain) + 1;
                }
            }
            var images = new List<ImageUsage>();
            var usedLayers = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (id, image) in index.Images)
            {
                var chains = image.ChainIds.Distinct(StringComparer.Ordinal).ToList();
                var shared = chains.Where(c => users[c] > 1).Sum(c => layerSize[c]);
                var containers = containersUsing(id);
                if (containers > 0)
                {
                    usedLayers.UnionWith(chains);
                }
                images.Add(new ImageUsage(id, TagsOf(id), image.Created, chains.Sum(c => layerSize[c]), shared, containers));
            }
            var total = layerSize.Values.Sum();
            // Docker subtracts size-minus-shared of each active image, which undercounts what active images
            // keep when they share layers with each other; the union of their layers is what really stays.
            var reclaimable = total - usedLayers.Sum(c => layerSize[c]);
            return new ImageDiskUsage(images.OrderByDescending(i => i.Created).ToList(), total, reclaimable);
        }
    }
}
