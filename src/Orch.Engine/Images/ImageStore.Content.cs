using Orch.Engine.Images.Oci;
using Orch.Engine.Registry;

namespace Orch.Engine.Images;

/// <summary>
/// Images by manifest digest, for whoever pins and serves them (a cluster manager pins a service's tag to the
/// manifest digest of the image its node holds, and serves that content to other nodes read-only).
/// </summary>
public sealed partial class ImageStore
{
    /// <summary>The manifest digest of the image a name (name[:tag] or name@digest) refers to here; null when none.</summary>
    public string? LocalManifestDigest(string reference)
    {
        lock (gate)
        {
            var id = TryResolve(reference, out var byName);
            return id is not null && byName ? index.Images[id].Manifest : null;
        }
    }

    /// <summary>
    /// The manifest stored under <paramref name="digest"/>, only when this store holds the whole image it
    /// describes (config and every layer blob), so a reader never meets a partial image; null otherwise.
    /// </summary>
    public byte[]? ReadCompleteManifest(string digest)
    {
        if (!Digest.IsValid(digest))
        {
            return null;
        }
        lock (gate)
        {
            if (!index.Images.Values.Any(i => i.Manifest == digest) || !Content.Exists(digest))
            {
                return null;
            }
            var body = Content.Read(digest);
            var manifest = OciJson.ParseManifest(body);
            return Content.Exists(manifest.Config.Digest) && manifest.Layers.All(l => Content.Exists(l.Digest)) ? body : null;
        }
    }

    /// <summary>Opens a stored blob read-only (the reader verifies it); null when absent or not a digest.</summary>
    public Stream? OpenBlob(string digest)
    {
        if (!Digest.IsValid(digest))
        {
            return null;
        }
        try
        {
            return new FileStream(Content.PathOf(digest), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// The digest a registry gives for a reference's tag (HEAD of the manifest, GET when the registry names no
    /// digest): an index's digest for a multi-platform image, as Docker pins. A digest reference is its own answer.
    /// </summary>
    /// <exception cref="RegistryException">Unreachable, unknown or refused; the message says which.</exception>
    public async Task<string> ResolveRegistryDigestAsync(string reference, (string User, string Password)? credentials, CancellationToken ct)
    {
        var named = ImageReference.Parse(reference).WithDefaultTag();
        if (named.Digest is not null)
        {
            return named.Digest;
        }
        var client = new RegistryClient(Http, named, push: false, InsecureRegistries, credentials ?? Credentials.Get(named.Domain));
        return await client.ManifestDigestAsync(named.Tag!, ct);
    }

    /// <summary>When an image with this manifest is here (under any name), records name@digest for it and returns its ID.</summary>
    private string? RecordIfPresent(string repository, string manifestDigest)
    {
        lock (gate)
        {
            var key = repository + "@" + manifestDigest;
            if (index.Digests.TryGetValue(key, out var known) && index.Images.ContainsKey(known))
            {
                return known;
            }
            var id = index.Images.FirstOrDefault(kv => kv.Value.Manifest == manifestDigest).Key;
            if (id is null || !index.Images[id].ChainIds.All(Layers.Exists))
            {
                return null;
            }
            index.Digests[key] = id;
            SaveIndex();
            return id;
        }
    }
}
