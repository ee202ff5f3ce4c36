namespace Orch.Manager.Distribution;

/// <summary>
/// The images of the engine on this manager's node, as far as the manager may use them (the manager never
/// calls the engine itself; orchd provides this seam). Used to pin a service's image to a digest, to serve
/// this node's content to the cluster, and to copy images pinned on another manager into this node's store.
/// <para>Contract: reads never return partial content (<see cref="ReadManifest"/> answers only for a whole
/// image); <see cref="CopyAsync"/> verifies every byte and makes the image visible atomically, or not at all.</para>
/// </summary>
public interface ILocalImages
{
    /// <summary>The manifest digest of the image this node holds under <paramref name="reference"/> (name[:tag]), or null.</summary>
    string? ManifestDigestOf(string reference);

    /// <summary>
    /// The digest the reference's registry gives for its tag, with <paramref name="registryAuth"/> (Docker's
    /// encoded form; "" = this node's own `orch login` credentials). Null with the reason when the registry
    /// cannot be reached, refuses, or does not know the tag.
    /// </summary>
    Task<(string? Digest, string Reason)> RegistryDigestAsync(string reference, string registryAuth, CancellationToken ct);

    /// <summary>This node's `orch login` credentials for the reference's registry, encoded ("" when none): --with-registry-auth.</summary>
    string RegistryAuthFor(string reference);

    /// <summary>The manifest under a digest when this node holds the whole image; null otherwise.</summary>
    byte[]? ReadManifest(string digest);

    /// <summary>A stored blob opened read-only, or null.</summary>
    Stream? OpenBlob(string digest);

    /// <summary>Copies image@digest from the managers at <paramref name="managers"/> (cluster addresses) into this node's store.</summary>
    Task CopyAsync(string image, string digest, IReadOnlyList<string> managers, CancellationToken ct);
}

/// <summary>A manager without an engine (in-process tests): nothing is local, nothing resolves, nothing is served.</summary>
internal sealed class NoLocalImages : ILocalImages
{
    public static readonly NoLocalImages Instance = new();

    public string? ManifestDigestOf(string reference) => null;

    public Task<(string? Digest, string Reason)> RegistryDigestAsync(string reference, string registryAuth, CancellationToken ct) =>
        Task.FromResult<(string?, string)>((null, "this manager has no engine"));

    public string RegistryAuthFor(string reference) => "";

    public byte[]? ReadManifest(string digest) => null;

    public Stream? OpenBlob(string digest) => null;

    public Task CopyAsync(string image, string digest, IReadOnlyList<string> managers, CancellationToken ct) =>
        Task.FromException(new InvalidOperationException("this manager has no engine"));
}
