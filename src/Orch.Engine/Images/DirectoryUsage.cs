using System.IO.Enumeration;

namespace Orch.Engine.Images;

/// <summary>
/// Bytes under a directory as `system df` counts them (Docker's directory.Size): the lengths of every entry
/// that is not a directory, without following symbolic links. A missing directory is 0.
/// </summary>
public static class DirectoryUsage
{
    public static long Size(string dir)
    {
        if (!Directory.Exists(dir))
        {
            return 0;
        }
        var entries = new FileSystemEnumerable<long>(dir, (ref FileSystemEntry e) => e.IsDirectory ? 0 : e.Length,
            new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 })
        {
            // A symlink to a directory is an entry of its own, never a way out of the tree.
            ShouldRecursePredicate = (ref FileSystemEntry e) => (e.Attributes & FileAttributes.ReparsePoint) == 0,
        };
        long total = 0;
        try
        {
            foreach (var n in entries)
            {
                total += n;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A container writing while we count: what was counted so far is the answer.
        }
        return total;
    }
}
