using System.Formats.Tar;
using Microsoft.Win32.SafeHandles;
using static Orch.Engine.Images.Layers.LayerSyscalls;

namespace Orch.Engine.Images.Layers;

internal sealed partial class LayerExtractor
{
    private static uint Perm(TarEntry e) => (uint)e.Mode & 0xFFF /* 07777 */;

    private void ApplyRootDirectory(TarEntry entry)
    {
        var fd = OpenBeneath(rootFd, ".", O_RDONLY | O_DIRECTORY);
        try
        {
            SetOwnerModeXattrs(fd, entry);
        }
        finally
        {
            _ = Close(fd);
        }
        dirTimes.Add((".", entry.ModificationTime));
    }

    private void ApplyDirectory(TarEntry entry, int parent, List<string> parts)
    {
        var name = parts[^1];
        var type = TypeAt(parent, name);
        if (type is not null and not S_IFDIR)
        {
            RemoveExisting(parent, name, entry.Name);
            type = null;
        }
        if (type is null)
        {
            Check(MkdirAt(parent, name, 0x1C0 /* 0700 */), "mkdir", entry.Name);
        }
        var fd = OpenAt(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
        if (fd < 0)
        {
            throw new LayerEntryException(entry.Name, LayerSyscalls.Error("open", name).Message);
        }
        try
        {
            SetOwnerModeXattrs(fd, entry);
        }
        finally
        {
            _ = Close(fd);
        }
        dirTimes.Add((string.Join('/', parts), entry.ModificationTime));
    }

    private async Task ApplyFileAsync(TarEntry entry, int parent, string name, CancellationToken ct)
    {
        const int Create = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
        var fd = OpenAt(parent, name, Create, 0x180 /* 0600 */);
        if (fd < 0 && Replaced(parent, name, entry.Name))
        {
            fd = OpenAt(parent, name, Create, 0x180 /* 0600 */);
        }
        if (fd < 0)
        {
            throw new LayerEntryException(entry.Name, LayerSyscalls.Error("create", name).Message);
        }
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        await using var fs = new FileStream(handle, FileAccess.Write, bufferSize: 0);
        if (entry.DataStream is { } data)
        {
            await CopyFullChunksAsync(data, fs, startWriteback: entry.Length >= WritebackMin, ct);
        }
        Size += entry.Length;
        var raw = (int)handle.DangerousGetHandle();
        // chown(2) clears set-uid bits and security.capability, so mode and xattrs come after it.
        SetOwnerModeXattrs(raw, entry);
        Check(SetTimes(raw, null, entry.ModificationTime, 0), "futimens", entry.Name);
    }

    /// <summary>
    /// Copies in whole <see cref="CopyChunk"/> writes: a gzip stream hands out about 8 KiB per read, and one
    /// write(2) per read made 100 MiB of file content cost ~13,000 syscalls (measured: a quarter of a pull's time).
    /// The writes are synchronous: FileStream.WriteAsync on Linux hands each one to another pool thread.
    /// With <paramref name="startWriteback"/> each chunk starts on its way to the disk as soon as it is written
    /// (<see cref="LayerSyscalls.StartWriteback"/>), while the rest of the layer is unpacked: the syncfs before the
    /// layer is published then finds it written (busybox: that syncfs 2.5 → 0.5 ms).
    /// </summary>
    private async Task CopyFullChunksAsync(Stream data, FileStream fs, bool startWriteback, CancellationToken ct)
    {
        copyBuffer ??= new byte[CopyChunk];
        long offset = 0;
        int n;
        while ((n = await data.ReadAtLeastAsync(copyBuffer, copyBuffer.Length, throwOnEndOfStream: false, ct)) > 0)
        {
            fs.Write(copyBuffer, 0, n);
            if (startWriteback)
            {
                LayerSyscalls.StartWriteback(fs.SafeFileHandle, offset, n);
            }
            offset += n;
        }
    }

    private static void ApplySymlink(TarEntry entry, int parent, string name)
    {
        // The target is stored as written: it is only ever resolved inside the container's root.
        var rc = SymlinkAt(entry.LinkName, parent, name);
        if (rc < 0 && Replaced(parent, name, entry.Name))
        {
            rc = SymlinkAt(entry.LinkName, parent, name);
        }
        Check(rc, "symlink", entry.Name);
        Check(FchownAt(parent, name, (uint)entry.Uid, (uint)entry.Gid, AT_SYMLINK_NOFOLLOW), "lchown", entry.Name);
        _ = SetTimes(parent, name, entry.ModificationTime, AT_SYMLINK_NOFOLLOW);
    }

    private void ApplyHardlink(TarEntry entry, int parent, List<string> parts)
    {
        var name = parts[^1];
        var target = EntryPath.Clean(entry.LinkName, entry.Name);
        if (target.Count == 0)
        {
            throw new LayerEntryException(entry.Name, $"hardlink to the layer root \"{entry.LinkName}\"");
        }
        var missing = $"hardlink target \"{entry.LinkName}\" is not in the layer";
        // A link next to its target (busybox's applets: hundreds of them) reuses the directory just opened by
        // the same path, beneath the same root: one openat2 and one close less per link.
        var sameDirectory = target.Count == parts.Count && target.Take(target.Count - 1).SequenceEqual(parts.Take(parts.Count - 1), StringComparer.Ordinal);
        var targetParent = sameDirectory ? parent : OpenDirectory(target, target.Count - 1, entry.Name, create: false, notFound: missing);
        try
        {
            // No AT_SYMLINK_FOLLOW: a link to a symlink links the symlink itself, never what it points at.
            // Tried first, as nearly every link is new; the checks below run only when it failed (linkat(2) fails,
            // changing nothing, for a missing target or a directory as for a name in use).
            if (LinkAt(targetParent, target[^1], parent, name, 0) == 0)
            {
                return;
            }
            var type = TypeAt(targetParent, target[^1]);
            if (type is null)
            {
                throw new LayerEntryException(entry.Name, missing);
            }
            if (type == S_IFDIR)
            {
                throw new LayerEntryException(entry.Name, $"hardlink target \"{entry.LinkName}\" is a directory");
            }
            RemoveExisting(parent, name, entry.Name);
            Check(LinkAt(targetParent, target[^1], parent, name, 0), "link", entry.Name);
        }
        finally
        {
            if (!sameDirectory)
            {
                _ = Close(targetParent);
            }
        }
    }

    private static void ApplyNode(TarEntry entry, int parent, string name)
    {
        RemoveExisting(parent, name, entry.Name);
        var posix = (PosixTarEntry)entry;
        var (type, dev) = entry.EntryType switch
        {
            TarEntryType.CharacterDevice => (S_IFCHR, MakeDev((uint)posix.DeviceMajor, (uint)posix.DeviceMinor)),
            TarEntryType.BlockDevice => (S_IFBLK, MakeDev((uint)posix.DeviceMajor, (uint)posix.DeviceMinor)),
            _ => (S_IFIFO, 0UL),
        };
        Check(MknodAt(parent, name, type | 0x180 /* 0600 */, dev), "mknod", entry.Name);
        Check(FchownAt(parent, name, (uint)entry.Uid, (uint)entry.Gid, AT_SYMLINK_NOFOLLOW), "lchown", entry.Name);
        Check(FchmodAt(parent, name, Perm(entry), 0), "chmod", entry.Name);
        _ = SetTimes(parent, name, entry.ModificationTime, AT_SYMLINK_NOFOLLOW);
    }

    private void ApplyWhiteout(TarEntry entry, List<string> parts)
    {
        var last = parts[^1];
        if (last == OpaqueMarker)
        {
            var dir = EntryPath.Join(parts, parts.Count - 1);
            _ = Close(OpenDirectory(parts, parts.Count - 1, entry.Name));
            var fd = OpenBeneath(rootFd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
            if (fd < 0)
            {
                throw new LayerEntryException(entry.Name, LayerSyscalls.Error("open", dir).Message);
            }
            try
            {
                SetXattr(fd, "trusted.overlay.opaque", "y"u8, entry.Name);
            }
            finally
            {
                _ = Close(fd);
            }
            return;
        }
        if (last.StartsWith(OpaqueMarker[..8], StringComparison.Ordinal))
        {
            return; // ".wh..wh.*": aufs bookkeeping (plnk, aufs), meaningless for overlay
        }
        var target = last[WhiteoutPrefix.Length..];
        if (target is "" or "." or "..")
        {
            throw new LayerEntryException(entry.Name, "whiteout of an invalid name");
        }
        var parent = OpenDirectory(parts, parts.Count - 1, entry.Name);
        try
        {
            RemoveExisting(parent, target, entry.Name);
            Check(MknodAt(parent, target, S_IFCHR, 0), "mknod whiteout", entry.Name);
            Check(FchownAt(parent, target, (uint)entry.Uid, (uint)entry.Gid, AT_SYMLINK_NOFOLLOW), "lchown", entry.Name);
        }
        finally
        {
            _ = Close(parent);
        }
    }

    private void SetOwnerModeXattrs(int fd, TarEntry entry)
    {
        Check(Fchown(fd, (uint)entry.Uid, (uint)entry.Gid), "chown", entry.Name);
        Check(Fchmod(fd, Perm(entry)), "chmod", entry.Name);
        if (entry is PaxTarEntry pax)
        {
            foreach (var (key, value) in pax.ExtendedAttributes)
            {
                const string Prefix = "SCHILY.xattr.";
                if (!key.StartsWith(Prefix, StringComparison.Ordinal))
                {
                    continue;
                }
                var xattr = key[Prefix.Length..];
                // overlayfs's own attributes come only from whiteout entries, never verbatim from a tarball.
                if (xattr.StartsWith("trusted.overlay.", StringComparison.Ordinal))
                {
                    continue;
                }
                // Binary values (security.capability) come from the raw PAX record, not TarReader's decoded string.
                SetXattr(fd, xattr, xattrs is null ? System.Text.Encoding.UTF8.GetBytes(value) : xattrs.ValueOf(key, value), entry.Name);
            }
        }
    }

    private static unsafe void SetXattr(int fd, string name, ReadOnlySpan<byte> value, string entry)
    {
        fixed (byte* p = value)
        {
            if (Fsetxattr(fd, name, p, value.Length, 0) < 0)
            {
                throw new LayerEntryException(entry, $"cannot set xattr {name}: {LayerSyscalls.Error("setxattr", name).Message}");
            }
        }
    }

    /// <summary>
    /// After a create that failed: true when it failed because something is at parent/name already, now removed
    /// (tar semantics: a later entry replaces an earlier one) so that the create can run again. Creating first
    /// spares the fstatat(2) a look before every create cost, as nearly every entry of a layer is new. False
    /// leaves the create's errno in place for its error.
    /// </summary>
    private static bool Replaced(int parent, string name, string entry)
    {
        if (System.Runtime.InteropServices.Marshal.GetLastPInvokeError() != EEXIST)
        {
            return false;
        }
        RemoveExisting(parent, name, entry);
        return true;
    }

    private static void Check(int rc, string op, string entry)
    {
        if (rc < 0)
        {
            var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            throw new LayerEntryException(entry, $"{op}: {System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno)}");
        }
    }
}
