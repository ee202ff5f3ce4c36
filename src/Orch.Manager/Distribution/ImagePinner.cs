using Microsoft.Extensions.Logging;
using Orch.Api.V1.Objects;

namespace Orch.Manager.Distribution;

/// <summary>
/// Pins a service's image to a digest when it is created or updated, so that every node runs the same bytes
/// (Swarm pins in the CLI; here the manager does it, because the image may live only in this node's engine):
/// <list type="number">
/// <item>the image this manager's node holds under that name (built or loaded here) → its manifest digest, and
/// the spec records this node as the image's origin: the managers carry it, no registry needed;</item>
/// <item>else the registry's digest for the tag (with the forwarded credentials when --with-registry-auth);</item>
/// <item>else the tag stays unpinned and the caller gets Docker's warning — except when the service was
/// already pinned for the same reference, which keeps its digest (better than Swarm: an unreachable registry
/// never silently un-pins a running service).</item>
/// </list>
/// An update resolves again only when the spec's digest is "" (the CLI clears it for --image) or with --force
/// (Swarm keeps the old digest on --force, docker/cli#7305; a moved tag then never rolls out).
/// </summary>
internal sealed partial class ImagePinner(ILocalImages images, string nodeId, ILogger<ImagePinner> logger)
{
    /// <summary>How long a registry may take to answer before the tag is kept unpinned (the create call waits for it).</summary>
    public static readonly TimeSpan RegistryTimeout = TimeSpan.FromSeconds(15);

    public static string Unreachable(string image) =>
        $"image {image} could not be accessed on a registry to record its digest. Each node will access {image} independently, "
        + "possibly leading to different nodes running different versions of the image.";

    /// <summary>Sets image_digest, image_origin_node and registry_auth on <paramref name="spec"/>; returns a warning or null.</summary>
    public async Task<string?> PinAsync(ServiceSpec spec, ServiceSpec? previous, PinOptions options, CancellationToken ct)
    {
        var c = spec.TaskTemplate.Container;
        var before = previous?.TaskTemplate?.Container;
        if (options.WithRegistryAuth)
        {
            c.RegistryAuth = images.RegistryAuthFor(c.Image);
        }
        else if (c.RegistryAuth.Length == 0 && before is not null)
        {
            // Reads never return the credentials, so a spec sent back by the CLI lacks them: keep them (Docker does).
            c.RegistryAuth = before.RegistryAuth;
        }
        var at = c.Image.IndexOf('@', StringComparison.Ordinal);
        if (at > 0)
        {
            // image@digest pins itself; it is carried by the managers if this node has it.
            c.ImageDigest = c.Image[(at + 1)..];
            c.ImageOriginNode = images.ReadManifest(c.ImageDigest) is null ? "" : nodeId;
            return null;
        }
        if (options.NoResolveImage || (c.ImageDigest.Length > 0 && !options.Force))
        {
            if (before is not null && before.ImageDigest == c.ImageDigest && before.Image == c.Image)
            {
                c.ImageOriginNode = before.ImageOriginNode;
            }
            return null;
        }
        if (images.ManifestDigestOf(c.Image) is { } local)
        {
            c.ImageDigest = local;
            c.ImageOriginNode = nodeId;
            LogPinned(c.Image, local, "this node's engine");
            return null;
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(RegistryTimeout);
        (string? Digest, string Reason) remote;
        try
        {
            remote = await images.RegistryDigestAsync(c.Image, c.RegistryAuth, timeout.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            remote = (null, $"the registry did not answer within {RegistryTimeout.TotalSeconds:0} s");
        }
        if (remote.Digest is { } digest)
        {
            c.ImageDigest = digest;
            c.ImageOriginNode = "";
            LogPinned(c.Image, digest, "the registry");
            return null;
        }
        LogUnresolved(c.Image, remote.Reason);
        if (before is not null && before.Image == c.Image && before.ImageDigest.Length > 0)
        {
            c.ImageDigest = before.ImageDigest;
            c.ImageOriginNode = before.ImageOriginNode;
            return null;
        }
        c.ImageDigest = "";
        c.ImageOriginNode = "";
        return Unreachable(c.Image);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "pinned image {Image} to {Digest} (from {Source})")]
    private partial void LogPinned(string image, string digest, string source);

    [LoggerMessage(Level = LogLevel.Warning, Message = "image {Image} is neither on this node nor resolvable on its registry: {Reason}")]
    private partial void LogUnresolved(string image, string reason);
}

/// <summary>The request's image flags: --no-resolve-image, --with-registry-auth, --force.</summary>
internal readonly record struct PinOptions(bool NoResolveImage, bool WithRegistryAuth, bool Force);
