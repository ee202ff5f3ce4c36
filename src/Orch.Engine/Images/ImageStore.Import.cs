using System.Runtime.InteropServices;
using Orch.Engine.Images.Layers;
using Orch.Engine.Images.Oci;

namespace Orch.Engine.Images;

public sealed partial class ImageStore
{
    /// <summary>
    /// `orch import`: one rootfs tarball (tar or tar.gz) becomes a one-layer image. The stream is read once:
    /// stored as the layer blob, hashed (blob digest and diff ID) and unpacked as it arrives. On any failure
    /// nothing is kept (no blob, no snapshot, no index change). Returns the image ID.
    /// </summary>
    /// <param name="reference">NAME[:TAG] to tag the image with, or null for an untagged image.</param>
    /// <param name="changes">Dockerfile instructions applied to the config (`--change`), e.g. CMD ["sh"].</param>
    public async Task<string> ImportAsync(Stream tar, string? reference, IReadOnlyList<string> changes, string? message, CancellationToken ct)
    {
        var target = reference is { Length: > 0 } ? ParseTagTarget(reference) : null;
        var config = ImageChanges.Apply(new OciContainerConfig(), changes);
        var created = DateTimeOffset.UtcNow;

        var temp = Layers.CreateTemp();
        using var blob = Content.BeginWrite();
        try
        {
            var layer = await LayerIngest.RunAsync(tar, blob.Stream, Path.Combine(temp, "fs"), ct);
            var image = new OciImage
            {
                Created = created,
                Architecture = GoArch(),
                Os = "linux",
                Config = config,
                RootFs = new OciRootFs { DiffIds = [layer.DiffId] },
                History = [new OciHistory { Created = created, CreatedBy = "orch import", Comment = message is { Length: > 0 } ? message : "Imported from -" }],
            };
            var configBytes = OciJson.Serialize(image);
            var id = Digest.Of(configBytes);
            var manifest = new OciManifest
            {
                Config = new OciDescriptor { MediaType = MediaTypes.Config, Digest = id, Size = configBytes.Length },
                Layers = [new OciDescriptor { MediaType = layer.MediaType, Digest = layer.Digest, Size = layer.BlobSize }],
            };
            var manifestBytes = OciJson.Serialize(manifest);
            lock (gate)
            {
                blob.Commit(layer.Digest);
                var isNew = Layers.Commit(temp, layer.DiffId, layer.UnpackedSize);
                Content.Write(configBytes, id);
                var manifestDigest = Content.Write(manifestBytes);
                index.Images[id] = new StoredImage
                {
                    Manifest = manifestDigest,
                    Layers = [layer.Digest],
                    DiffIds = [layer.DiffId],
                    LayerSizes = [layer.UnpackedSize],
                    Created = created,
                    LastTagTime = target is null ? null : created,
                };
                configs[id] = image;
                if (target is not null)
                {
                    index.Tags[target.ToString()] = id;
                }
                SaveIndex();
                LogImported(id, target?.Familiar ?? "<none>", layer.Digest, isNew);
            }
            return id;
        }
        catch
        {
            LayerStore.Discard(temp);
            throw;
        }
    }

    /// <summary>A NAME[:TAG] that a tag may be written to (no digest), normalised with tag latest.</summary>
    private static ImageReference ParseTagTarget(string reference)
    {
        var r = ImageReference.Parse(reference);
        if (r.Digest is not null)
        {
            throw new InvalidReferenceException($"refusing to create a tag with a digest reference: {reference}");
        }
        return r.WithDefaultTag();
    }

    /// <summary>The architecture as OCI (GOARCH) names it.</summary>
    internal static string GoArch() => RuntimeInformation.OSArchitecture switch
    {
        Architecture.X64 => "amd64",
        Architecture.Arm64 => "arm64",
        Architecture.Arm => "arm",
        Architecture.X86 => "386",
        Architecture.S390x => "s390x",
        Architecture.Ppc64le => "ppc64le",
        Architecture.RiscV64 => "riscv64",
        var other => other.ToString().ToLowerInvariant(),
    };
}
