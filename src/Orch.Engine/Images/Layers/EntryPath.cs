namespace Orch.Engine.Images.Layers;

/// <summary>
/// Lexical cleaning of a tar entry name into path components below the layer root, as docker and umoci do:
/// a leading "/" is dropped (umoci writes "/" as its first entry), "." and empty components vanish, and
/// ".." pops a component. A ".." that would climb above the root is refused: the entry is malicious or broken.
/// Symbolic links are not looked at here; <see cref="LayerExtractor"/> resolves components with openat2(2)
/// RESOLVE_BENEATH so a link can never lead outside either.
/// </summary>
internal static class EntryPath
{
    public static List<string> Clean(string name, string entry)
    {
        var parts = new List<string>();
        foreach (var part in name.Split('/'))
        {
            switch (part)
            {
                case "" or ".":
                    continue;
                case "..":
                    if (parts.Count == 0)
                    {
                        throw new LayerEntryException(entry, "path climbs out of the layer root");
                    }
                    parts.RemoveAt(parts.Count - 1);
                    continue;
                default:
                    if (part.Contains('\0', StringComparison.Ordinal))
                    {
                        throw new LayerEntryException(entry, "path contains a NUL byte");
                    }
                    parts.Add(part);
                    continue;
            }
        }
        return parts;
    }

    public static string Join(IReadOnlyList<string> parts, int count) =>
        count == 0 ? "." : string.Join('/', parts.Take(count));
}
