using System.Security.Cryptography;
using System.Text;
using Orch.Engine.Images;

namespace Orch.Engine.Build;

/// <summary>
/// The unpacked build context and its .dockerignore. Paths the ignore file excludes do not exist for COPY
/// and ADD, and so they never reach a cache key.
/// </summary>
internal sealed class BuildContextDir
{
    public BuildContextDir(string root)
    {
        Root = root;
        var ignoreFile = Path.Combine(root, ".dockerignore");
        try
        {
            Ignore = File.Exists(ignoreFile) ? new DockerIgnore(File.ReadAllText(ignoreFile)) : DockerIgnore.Empty;
        }
        catch (FormatException e)
        {
            throw new BuildException(e.Message);
        }
    }

    public string Root { get; }

    public DockerIgnore Ignore { get; }

    /// <summary>
    /// Hash of what a COPY/ADD of these sources would copy: for every file below them, its path, type, mode,
    /// link target and content (not mtime or owner, as Docker: COPY sets the owner and the cache ignores mtime).
    /// </summary>
    public static string Hash(IEnumerable<(string Full, string Rel)> sources, Func<string, bool> excluded)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (full, rel) in sources)
        {
            HashTree(sha, full, rel, excluded);
        }
        return Digest.FromHash(sha.GetHashAndReset());
    }

    private static void HashTree(IncrementalHash sha, string full, string rel, Func<string, bool> excluded)
    {
        var st = FileStat.Lstat(full);
        if (st is null)
        {
            return;
        }
        var s = st.Value;
        sha.AppendData(Encoding.UTF8.GetBytes($"{rel}\0{s.Type:x}\0{Convert.ToString(s.Perm, 8)}\0"));
        switch (s.Type)
        {
            case FileStat.S_IFREG:
                using (var f = File.OpenRead(full))
                {
                    sha.AppendData(SHA256.HashData(f));
                }
                break;
            case FileStat.S_IFLNK:
                sha.AppendData(Encoding.UTF8.GetBytes(new FileInfo(full).LinkTarget ?? ""));
                break;
            case FileStat.S_IFDIR:
                foreach (var child in Directory.EnumerateFileSystemEntries(full).Select(Path.GetFileName).Order(StringComparer.Ordinal))
                {
                    var childRel = rel == "." ? child! : rel + "/" + child;
                    if (!excluded(childRel))
                    {
                        HashTree(sha, Path.Combine(full, child!), childRel, excluded);
                    }
                }
                break;
            default:
                break;
        }
    }
}
