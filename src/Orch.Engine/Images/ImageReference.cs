namespace Orch.Engine.Images;

/// <summary>
/// An image reference normalised as Docker does (distribution/reference): <c>[domain[:port]/]path[:tag][@digest]</c>.
/// "ubuntu" = "library/ubuntu" = "docker.io/library/ubuntu" (the tag defaults to "latest" where one is needed).
/// <see cref="Familiar"/> is the short form Docker prints ("busybox:latest", "localhost:5000/app:v1").
/// </summary>
public sealed partial record ImageReference(string Domain, string Path, string? Tag, string? Digest)
{
    public const string DefaultDomain = "docker.io";
    public const string DefaultTag = "latest";
    private const int NameMaxLength = 255;

    /// <summary>Fully qualified repository: "docker.io/library/busybox".</summary>
    public string Repository => Domain + "/" + Path;

    /// <summary>
    /// Repository as Docker prints it: "busybox", "user/app", "localhost:5000/app". A Docker Hub path whose first
    /// component reads as a registry ("docker.io/example.com/app") keeps its domain, or the short form would name
    /// another registry (found by the fuzz tests; Docker Hub forbids such names, distribution/reference does not).
    /// </summary>
    public string FamiliarRepository =>
        Domain != DefaultDomain || SplitDomain(Path).Domain is not null ? Repository
        : Path.StartsWith("library/", StringComparison.Ordinal) && Path.IndexOf('/', 8) < 0 ? Path[8..]
        : Path;

    public string Familiar => FamiliarRepository + Suffix;

    public override string ToString() => Repository + Suffix;

    private string Suffix => (Tag is null ? "" : ":" + Tag) + (Digest is null ? "" : "@" + Digest);

    /// <summary>The same reference with tag "latest" when it has neither tag nor digest.</summary>
    public ImageReference WithDefaultTag() => Tag is null && Digest is null ? this with { Tag = DefaultTag } : this;

    public static bool TryParse(string s, out ImageReference? reference)
    {
        try
        {
            reference = Parse(s);
            return true;
        }
        catch (InvalidReferenceException)
        {
            reference = null;
            return false;
        }
    }

    /// <summary>Parses and normalises; throws <see cref="InvalidReferenceException"/> with a one-line reason.</summary>
    public static ImageReference Parse(string s)
    {
        if (string.IsNullOrEmpty(s))
        {
            throw new InvalidReferenceException("invalid reference format: repository name must have at least one component");
        }
        if (s.Length == 64 && Images.Digest.IsHex(s))
        {
            throw new InvalidReferenceException($"invalid repository name ({s}), cannot specify 64-byte hexadecimal strings");
        }
        var name = s;
        string? digest = null;
        var at = s.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            name = s[..at];
            digest = s[(at + 1)..];
            ValidateDigest(digest, s);
        }
        string? tag = null;
        var colon = name.LastIndexOf(':');
        if (colon > name.LastIndexOf('/'))
        {
            tag = name[(colon + 1)..];
            name = name[..colon];
            ValidateTag(tag, s);
        }
        if (name.Length == 0)
        {
            throw new InvalidReferenceException($"invalid reference format: repository name must have at least one component in \"{s}\"");
        }
        var (domain, path) = SplitDomain(name);
        if (domain is not null)
        {
            ValidateDomain(domain, s);
        }
        domain ??= DefaultDomain;
        if (domain == "index.docker.io")
        {
            domain = DefaultDomain;
        }
        if (path.ToLowerInvariant() != path)
        {
            throw new InvalidReferenceException($"invalid reference format: repository name ({(domain == DefaultDomain && !path.Contains('/', StringComparison.Ordinal) ? "library/" + path : path)}) must be lowercase");
        }
        foreach (var component in path.Split('/'))
        {
            ValidateComponent(component, s);
        }
        if (domain == DefaultDomain && !path.Contains('/', StringComparison.Ordinal))
        {
            path = "library/" + path;
        }
        // distribution/reference checks the normalised name ("docker.io/library/…"), so that what ToString()
        // writes parses again; checking the text as given let 240-odd characters through that did not.
        if (domain.Length + 1 + path.Length > NameMaxLength)
        {
            throw new InvalidReferenceException($"invalid reference format: repository name must not be more than {NameMaxLength} characters");
        }
        return new ImageReference(domain, path, tag, digest);
    }

    /// <summary>Docker's rule: the first component is a registry when it has a "." or ":", is "localhost", or has uppercase.</summary>
    private static (string? Domain, string Path) SplitDomain(string name)
    {
        var slash = name.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            return (null, name);
        }
        var first = name[..slash];
        if (first != "localhost" && !first.Contains('.', StringComparison.Ordinal) && !first.Contains(':', StringComparison.Ordinal)
            && first.ToLowerInvariant() == first)
        {
            return (null, name);
        }
        return (first, name[(slash + 1)..]);
    }
}
