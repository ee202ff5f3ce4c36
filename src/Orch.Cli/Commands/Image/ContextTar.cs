using System.Formats.Tar;
using Orch.Cli.Cli;
using Orch.Engine.Build;

namespace Orch.Cli.Commands.Image;

/// <summary>
/// The build context as a tar, with .dockerignore applied before anything is read: an ignored file is never
/// sent. The Dockerfile and .dockerignore themselves are always sent (Docker does the same).
/// </summary>
internal static class ContextTar
{
    public static async Task WriteAsync(string root, Stream output, CancellationToken ct)
    {
        var ignoreFile = Path.Combine(root, ".dockerignore");
        DockerIgnore ignore;
        try
        {
            ignore = File.Exists(ignoreFile) ? new DockerIgnore(await File.ReadAllTextAsync(ignoreFile, ct)) : DockerIgnore.Empty;
        }
        catch (FormatException e)
        {
            // docker build: "error checking context: syntax error in pattern", exit 1.
            throw new CliException("error checking context: " + e.Message);
        }
        await using var tar = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
        await WalkAsync(tar, root, "", ignore, ct);
    }

    private static async Task WalkAsync(TarWriter tar, string dir, string prefix, DockerIgnore ignore, CancellationToken ct)
    {
        foreach (var full in Directory.EnumerateFileSystemEntries(dir).Order(StringComparer.Ordinal))
        {
            var rel = prefix + Path.GetFileName(full);
            var info = new FileInfo(full);
            var isDir = info.Attributes.HasFlag(FileAttributes.Directory) && info.LinkTarget is null;
            // An excluded directory is still walked when an exception (!pattern) may re-include something below it.
            if (ignore.Excludes(rel) && rel is not ("Dockerfile" or ".dockerignore") && !(isDir && ignore.HasExceptions))
            {
                continue;
            }
            if (!ignore.Excludes(rel) || rel is "Dockerfile" or ".dockerignore")
            {
                await tar.WriteEntryAsync(full, rel, ct);
            }
            if (isDir)
            {
                await WalkAsync(tar, full, rel + "/", ignore, ct);
            }
        }
    }
}
