using System.Security.Cryptography;
using System.Text;
using Orch.Engine;
using Orch.Engine.Images;

namespace Orch.Node.Hosting;

/// <summary>
/// Stand-in image store while the OCI store is not wired: DATA/dir-images/NAME/rootfs is image NAME
/// (tag "latest"), a single layer, command "sh". Replaced by any IImageStore registered before
/// AddContainerRuntime.
/// </summary>
internal sealed class DirectoryImageStore(EngineOptions options) : IImageStore
{
    public ImageRecord? Find(string reference)
    {
        var name = reference.EndsWith(":latest", StringComparison.Ordinal) ? reference[..^":latest".Length] : reference;
        if (name.Contains('/', StringComparison.Ordinal) || name.Contains("..", StringComparison.Ordinal) || name.Length == 0)
        {
            return null;
        }
        var rootfs = Path.Combine(options.DataRoot, "dir-images", name, "rootfs");
        if (!Directory.Exists(rootfs))
        {
            return null;
        }
        var id = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(rootfs)));
        return new ImageRecord(id, [name + ":latest"], new ImageConfig { Cmd = ["sh"] }, [rootfs], 0, Directory.GetCreationTime(rootfs));
    }
}
