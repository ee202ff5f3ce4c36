using Orch.Agent.Images;
using Orch.Agent.Session;
using Orch.Engine.Images;
using Orch.Engine.Registry;
using Orch.Manager.Distribution;

namespace Orch.Node.Swarm;

/// <summary>The manager's view of this node's engine images (<see cref="ILocalImages"/>), over the engine's image store.</summary>
internal sealed class NodeImages(ImageStore images, Func<ManagerChannels?> channels) : ILocalImages
{
    public string? ManifestDigestOf(string reference) =>
        ImageReference.TryParse(reference, out _) ? images.LocalManifestDigest(reference) : null;

    public async Task<(string? Digest, string Reason)> RegistryDigestAsync(string reference, string registryAuth, CancellationToken ct)
    {
        try
        {
            return (await images.ResolveRegistryDigestAsync(reference, EncodedAuth.Decode(registryAuth), ct), "");
        }
        catch (Exception e) when (e is RegistryException or HttpRequestException or InvalidReferenceException or IOException)
        {
            return (null, e.Message);
        }
    }

    public string RegistryAuthFor(string reference) =>
        ImageReference.TryParse(reference, out _) ? EncodedAuth.For(images.Credentials, reference) : "";

    public byte[]? ReadManifest(string digest) => images.ReadCompleteManifest(digest);

    public Stream? OpenBlob(string digest) => images.OpenBlob(digest);

    public async Task CopyAsync(string image, string digest, IReadOnlyList<string> managers, CancellationToken ct)
    {
        var via = channels() ?? throw new InvalidOperationException("this node has no channels to the other managers yet");
        await images.PullFromAsync(ImageFetcher.PinnedReference(image, digest), new ClusterContentSource(via, managers), _ => ValueTask.CompletedTask, ct);
    }
}
