using static Orch.Engine.Images.Layers.LayerSyscalls;

namespace Orch.Engine.Images.Layers;

internal sealed partial class LayerExtractor
{
    /// <summary>
    /// Opens (O_PATH) the directory made of the first <paramref name="count"/> components, creating missing
    /// ones (a tarball need not list every parent). Resolution never leaves the root: openat2 with
    /// RESOLVE_BENEATH fails with EXDEV where a symlink or ".." would lead outside.
    /// </summary>
    private int OpenDirectory(IReadOnlyList<string> parts, int count, string entry, bool create = true, string? notFound = null)
    {
        var path = EntryPath.Join(parts, count);
        for (var attempt = 0; ; attempt++)
        {
            var fd = OpenBeneath(rootFd, path, O_PATH | O_DIRECTORY);
            if (fd >= 0)
            {
                return fd;
            }
            var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            switch (errno)
            {
                case EXDEV:
                    throw new LayerEntryException(entry, $"path escapes the layer root through \"{path}\"");
                case ELOOP:
                    throw new LayerEntryException(entry, $"too many levels of symbolic links in \"{path}\"");
                case ENOTDIR:
                    throw new LayerEntryException(entry, $"\"{path}\" is not a directory");
                case EAGAIN when attempt < 8:
                    continue; // openat2 may ask to retry when a rename raced with the lookup
                case ENOENT when create && attempt == 0 && count > 0:
                    var parent = OpenDirectory(parts, count - 1, entry, create, notFound);
                    try
                    {
                        var name = parts[count - 1];
                        if (MkdirAt(parent, name, 0x1ED /* 0755 */) < 0 && System.Runtime.InteropServices.Marshal.GetLastPInvokeError() != EEXIST)
                        {
                            throw new LayerEntryException(entry, $"cannot create directory \"{path}\": {LayerSyscalls.Error("mkdir", path).Message}");
                        }
                        _ = FchmodAt(parent, name, 0x1ED /* 0755 */, AT_SYMLINK_NOFOLLOW);
                    }
                    finally
                    {
                        _ = Close(parent);
                    }
                    continue;
                case ENOENT:
                    throw new LayerEntryException(entry, notFound ?? $"\"{path}\" does not exist");
                default:
                    throw new LayerEntryException(entry, $"cannot open \"{path}\": {LayerSyscalls.Error("openat2", path).Message}");
            }
        }
    }

    /// <summary>What is at parent/name, without following a symlink; null when nothing.</summary>
    private static uint? TypeAt(int parent, string name)
    {
        if (FstatAt(parent, name, out var st, AT_SYMLINK_NOFOLLOW) < 0)
        {
            return null;
        }
        return st.Mode & S_IFMT;
    }

    /// <summary>Removes what is at parent/name (tar semantics: a later entry replaces an earlier one).</summary>
    private static void RemoveExisting(int parent, string name, string entry)
    {
        var type = TypeAt(parent, name);
        if (type is null)
        {
            return;
        }
        if (type == S_IFDIR)
        {
            // /proc/self/fd/N is the directory itself, whatever path led to it; Directory.Delete unlinks
            // symlinks it meets rather than following them.
            Directory.Delete($"/proc/self/fd/{parent}/{name}", recursive: true);
            return;
        }
        if (UnlinkAt(parent, name, 0) < 0)
        {
            throw new LayerEntryException(entry, LayerSyscalls.Error("unlink", name).Message);
        }
    }
}
