using System.Formats.Tar;

namespace Orch.Engine.Build;

/// <summary>
/// Unpacks the build context the CLI sent. Unlike TarFile.ExtractToDirectory it keeps symlinks whatever
/// they point at (a context may hold `link -> /etc/passwd`; COPY copies the link, as Docker does), while no
/// entry may be written outside the directory: names are cleaned, and an entry below an existing symlink is
/// refused (a tar could otherwise plant `a -> /etc` and then write `a/passwd`).
/// </summary>
public static class ContextExtractor
{
    public static async Task ExtractAsync(Stream tar, string root, CancellationToken ct)
    {
        using var reader = new TarReader(tar);
        while (await reader.GetNextEntryAsync(copyData: false, ct) is { } e)
        {
            var name = DockerIgnore.Clean(e.Name);
            if (name == "." || e.Name.Split('/').Contains(".."))
            {
                continue;
            }
            var target = Path.Combine(root, name);
            EnsureParents(root, name);
            switch (e.EntryType)
            {
                case TarEntryType.Directory:
                    if (FileStat.Lstat(target) is not { Type: FileStat.S_IFDIR })
                    {
                        Directory.CreateDirectory(target);
                    }
                    File.SetUnixFileMode(target, (UnixFileMode)((uint)e.Mode & 0xFFF));
                    break;
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                    await using (var output = new FileStream(target, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
                    {
                        if (e.DataStream is { } data)
                        {
                            await data.CopyToAsync(output, ct);
                        }
                    }
                    File.SetUnixFileMode(target, (UnixFileMode)((uint)e.Mode & 0xFFF));
                    File.SetLastWriteTimeUtc(target, e.ModificationTime.UtcDateTime);
                    break;
                case TarEntryType.SymbolicLink:
                    File.CreateSymbolicLink(target, e.LinkName);
                    break;
                case TarEntryType.HardLink:
                    var source = DockerIgnore.Clean(e.LinkName);
                    if (!e.LinkName.Split('/').Contains(".."))
                    {
                        EnsureParents(root, source);
                        File.Copy(Path.Combine(root, source), target, overwrite: true);
                    }
                    break;
                default:
                    break; // devices and fifos are not build context
            }
        }
    }

    /// <summary>Creates the parent directories of <paramref name="relative"/>; a symlink among them is an error.</summary>
    private static void EnsureParents(string root, string relative)
    {
        var parts = relative.Split('/');
        var current = root;
        for (var i = 0; i < parts.Length - 1; i++)
        {
            current = Path.Combine(current, parts[i]);
            var st = FileStat.Lstat(current);
            if (st is null)
            {
                Directory.CreateDirectory(current);
            }
            else if (st.Value.Type != FileStat.S_IFDIR)
            {
                throw new InvalidDataException($"build context: {relative} is below a non-directory ({parts[i]})");
            }
        }
        if (FileStat.Lstat(Path.Combine(root, relative)) is { Type: not FileStat.S_IFDIR })
        {
            File.Delete(Path.Combine(root, relative));
        }
    }
}
