namespace Orch.Engine.Images;

/// <summary>
/// Where image content is read from by digest during a pull: a registry repository, or any other store that
/// serves manifests and blobs by digest (a cluster's managers). Contract: the source need not be trusted —
/// <see cref="ImageStore.PullFromAsync"/> checks every manifest, config and layer against its digest (and each
/// layer against the config's diff ID) before it becomes visible, and keeps nothing of a mismatch.
/// </summary>
public interface IContentSource
{
    /// <summary>The manifest (or index) under a tag or digest: its bytes and media type ("" when unknown).</summary>
    Task<(byte[] Body, string MediaType)> GetManifestAsync(string tagOrDigest, CancellationToken ct);

    /// <summary>Opens a blob for reading; the caller verifies its digest while it streams.</summary>
    Task<Stream> OpenBlobAsync(string digest, CancellationToken ct);
}
