namespace Orch.Engine.Images;

/// <summary>What `orch rmi` prints: "Untagged: …" lines, then "Deleted: …" lines.</summary>
public sealed record RemoveResult(IReadOnlyList<string> Untagged, IReadOnlyList<string> Deleted);

public sealed partial class ImageStore
{
    /// <summary>
    /// `orch rmi` with Docker's rules. By name: untag it; the image goes only with its last name. By ID: the
    /// image goes with every name, which needs <paramref name="force"/> when it has several. An image a
    /// container uses (<paramref name="usedBy"/> returns that container's ID) is refused without force;
    /// with force it is only untagged and stays (dangling) because the container's rootfs still stacks its
    /// layers. Layers and blobs no other image references are removed with the image.
    /// </summary>
    public RemoveResult Remove(string reference, bool force, Func<string, string?> usedBy)
    {
        lock (gate)
        {
            var id = Resolve(reference, out var byName);
            var short12 = Digest.Short(id);
            var names = index.Tags.Where(kv => kv.Value == id).Select(kv => kv.Key)
                .Concat(index.Digests.Where(kv => kv.Value == id).Select(kv => kv.Key)).ToList();
            var user = usedBy(id);
            var untagged = new List<string>();
            if (byName)
            {
                var named = ImageReference.Parse(reference).WithDefaultTag();
                var key = named.Digest is not null ? named.Repository + "@" + named.Digest : named.ToString();
                if (user is not null && IsSingleReference(names) && !force)
                {
                    throw new ImageConflictException(
                        $"conflict: unable to remove repository reference \"{reference}\" (must force) - container {Digest.Short(user)} is using its referenced image {short12}");
                }
                Untag(key, untagged);
                if (named.Digest is null)
                {
                    UntagOrphanedDigests(id, named.Repository, untagged);
                }
                if (index.Tags.ContainsValue(id) || index.Digests.ContainsValue(id))
                {
                    SaveIndex();
                    return new RemoveResult(untagged, []);
                }
            }
            else
            {
                if (names.Count > 1 && !force)
                {
                    throw new ImageConflictException($"conflict: unable to delete {short12} (must be forced) - image is referenced in multiple repositories");
                }
                if (user is not null && !force)
                {
                    throw new ImageConflictException($"conflict: unable to delete {short12} (must be forced) - image is being used by container {Digest.Short(user)}");
                }
                foreach (var name in names)
                {
                    Untag(name, untagged);
                }
            }
            if (user is not null)
            {
                SaveIndex();
                return new RemoveResult(untagged, []);
            }
            var deleted = DeleteImage(id);
            return new RemoveResult(untagged, deleted);
        }
    }

    /// <summary>`orch tag SOURCE TARGET`: TARGET (default tag latest) now names SOURCE's image.</summary>
    public void Tag(string source, string target)
    {
        var named = ParseTagTarget(target);
        lock (gate)
        {
            var id = Resolve(source);
            index.Tags[named.ToString()] = id;
            index.Images[id].LastTagTime = DateTimeOffset.UtcNow;
            SaveIndex();
        }
    }

    /// <summary>
    /// Docker's rule: once the last tag of a repository is gone, that repository's digest references
    /// (repo@sha256:…, from pull and push) go too, so `rmi NAME:TAG` after a push deletes the image.
    /// </summary>
    private void UntagOrphanedDigests(string id, string repository, List<string> untagged)
    {
        var prefix = repository + ":";
        if (index.Tags.Any(kv => kv.Value == id && kv.Key.StartsWith(prefix, StringComparison.Ordinal) && !kv.Key[prefix.Length..].Contains('/', StringComparison.Ordinal)))
        {
            return;
        }
        foreach (var key in index.Digests.Where(kv => kv.Value == id && kv.Key.StartsWith(repository + "@", StringComparison.Ordinal)).Select(kv => kv.Key).ToList())
        {
            Untag(key, untagged);
        }
    }

    /// <summary>Docker's isSingleReference: every name is of one repository and at most one is a tag.</summary>
    private static bool IsSingleReference(List<string> names)
    {
        var parsed = names.Select(ImageReference.Parse).ToList();
        return parsed.Select(r => r.Repository).Distinct(StringComparer.Ordinal).Count() <= 1 && parsed.Count(r => r.Digest is null) <= 1;
    }

    private void Untag(string key, List<string> untagged)
    {
        if (index.Tags.Remove(key) || index.Digests.Remove(key))
        {
            untagged.Add(ImageReference.Parse(key).Familiar);
        }
    }

    /// <summary>Drops the image, then every layer snapshot and blob that no remaining image references.</summary>
    private List<string> DeleteImage(string id)
    {
        var image = index.Images[id];
        index.Images.Remove(id);
        configs.Remove(id);
        SaveIndex();
        var deleted = new List<string> { id };

        var liveChains = index.Images.Values.SelectMany(i => i.ChainIds).ToHashSet(StringComparer.Ordinal);
        foreach (var chain in image.ChainIds.Reverse())
        {
            if (!liveChains.Contains(chain) && Layers.Exists(chain))
            {
                Layers.Remove(chain);
                deleted.Add(chain);
            }
        }
        var liveBlobs = index.Images.SelectMany(kv => kv.Value.Layers.Append(kv.Value.Manifest).Append(kv.Key)).ToHashSet(StringComparer.Ordinal);
        foreach (var blob in image.Layers.Append(image.Manifest).Append(id))
        {
            if (!liveBlobs.Contains(blob))
            {
                Content.Delete(blob);
            }
        }
        LogDeleted(id, deleted.Count - 1);
        return deleted;
    }
}
