namespace Orch.Engine.Snapshots;

/// <summary>
/// Joins a path as the container sees it onto its rootfs on the host, resolving symlinks as if the
/// rootfs were "/" (like runc's securejoin). Mount targets are resolved before the launcher mounts in
/// the host's mount namespace, where an image's "/data -> /etc" symlink would otherwise send a bind
/// mount onto the host's /etc.
/// </summary>
internal static class RootfsPath
{
    private const int MaxSymlinks = 40;

    public static string Join(string rootfs, string containerPath)
    {
        var pending = new Stack<string>(containerPath.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse());
        var resolved = new List<string>();
        var hops = 0;
        while (pending.Count > 0)
        {
            var part = pending.Pop();
            if (part == ".")
            {
                continue;
            }
            if (part == "..")
            {
                if (resolved.Count > 0)
                {
                    resolved.RemoveAt(resolved.Count - 1);
                }
                continue;
            }
            var host = Path.Combine(rootfs, Path.Combine([.. resolved, part]));
            var info = new FileInfo(host);
            if (info.LinkTarget is not { } target)
            {
                resolved.Add(part);
                continue;
            }
            if (++hops > MaxSymlinks)
            {
                throw new IOException($"too many levels of symbolic links in {containerPath}");
            }
            if (target.StartsWith('/'))
            {
                resolved.Clear();
            }
            foreach (var p in target.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse())
            {
                pending.Push(p);
            }
        }
        return resolved.Count == 0 ? rootfs : Path.Combine(rootfs, Path.Combine([.. resolved]));
    }
}
