using Orch.Engine.Images;

namespace Orch.Engine.Registry;

/// <summary>A registry repository as an <see cref="IContentSource"/>: the /v2/ manifest and blob endpoints.</summary>
internal sealed class RegistrySource(RegistryClient client) : IContentSource
{
    public Task<(byte[] Body, string MediaType)> GetManifestAsync(string tagOrDigest, CancellationToken ct) =>
        client.GetManifestAsync(tagOrDigest, ct);

    public async Task<Stream> OpenBlobAsync(string digest, CancellationToken ct)
    {
        // Disposing the content stream releases the response's connection.
        var response = await client.GetBlobAsync(digest, ct);
        return await response.Content.ReadAsStreamAsync(ct);
    }
}
