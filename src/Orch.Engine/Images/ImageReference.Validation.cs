namespace Orch.Engine.Images;

public sealed partial record ImageReference
{
    // path-component := [a-z0-9]+ (separator [a-z0-9]+)*, separator := [._] | "__" | "-"+
    private static void ValidateComponent(string c, string s)
    {
        if (c.Length == 0)
        {
            throw new InvalidReferenceException($"invalid reference format: empty path component in \"{s}\"");
        }
        var i = 0;
        while (true)
        {
            var start = i;
            while (i < c.Length && IsLowerAlnum(c[i]))
            {
                i++;
            }
            if (i == start)
            {
                throw new InvalidReferenceException($"invalid reference format: invalid repository name component \"{c}\" in \"{s}\"");
            }
            if (i == c.Length)
            {
                return;
            }
            if (c[i] is '.' or '_')
            {
                i += c[i] == '_' && i + 1 < c.Length && c[i + 1] == '_' ? 2 : 1;
            }
            else if (c[i] == '-')
            {
                while (i < c.Length && c[i] == '-')
                {
                    i++;
                }
            }
            else
            {
                throw new InvalidReferenceException($"invalid reference format: invalid character '{c[i]}' in repository name \"{c}\"");
            }
        }
    }

    private static bool IsLowerAlnum(char ch) => ch is (>= 'a' and <= 'z') or (>= '0' and <= '9');

    // tag := [\w][\w.-]{0,127}
    private static void ValidateTag(string tag, string s)
    {
        if (tag.Length == 0)
        {
            throw new InvalidReferenceException($"invalid reference format: empty tag in \"{s}\"");
        }
        if (tag.Length > 128 || !IsWord(tag[0]) || !tag.All(ch => IsWord(ch) || ch is '.' or '-'))
        {
            throw new InvalidReferenceException($"invalid reference format: invalid tag \"{tag}\" (allowed: letters, digits, '_', '.', '-'; at most 128; not starting with '.' or '-')");
        }
    }

    private static bool IsWord(char ch) => ch is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_';

    private static void ValidateDigest(string digest, string s)
    {
        if (digest.Length == 0)
        {
            throw new InvalidReferenceException($"invalid reference format: empty digest in \"{s}\"");
        }
        var colon = digest.IndexOf(':', StringComparison.Ordinal);
        var algorithm = colon < 0 ? "" : digest[..colon];
        if (algorithm != "sha256")
        {
            throw new InvalidReferenceException($"invalid reference format: unsupported digest algorithm in \"{digest}\" (expected sha256:<64 hex digits>)");
        }
        if (!Images.Digest.IsValid(digest))
        {
            throw new InvalidReferenceException($"invalid reference format: invalid digest \"{digest}\" (expected sha256:<64 lowercase hex digits>)");
        }
    }

    // domain := label ("." label)* [":" port] | "[" ipv6 "]" [":" port]; label := [A-Za-z0-9] ([A-Za-z0-9-]* [A-Za-z0-9])?
    private static void ValidateDomain(string domain, string s)
    {
        var host = domain;
        var colon = domain.LastIndexOf(':');
        if (colon >= 0 && colon > domain.LastIndexOf(']'))
        {
            var port = domain[(colon + 1)..];
            if (port.Length == 0 || !port.All(char.IsAsciiDigit))
            {
                throw new InvalidReferenceException($"invalid reference format: invalid port \"{port}\" in \"{s}\"");
            }
            host = domain[..colon];
        }
        if (host.StartsWith('[') && host.EndsWith(']') && host.Length > 2
            && host[1..^1].All(ch => char.IsAsciiHexDigit(ch) || ch is ':' or '.'))
        {
            return;
        }
        foreach (var label in host.Split('.'))
        {
            if (label.Length == 0 || label[0] == '-' || label[^1] == '-' || !label.All(ch => char.IsAsciiLetterOrDigit(ch) || ch == '-'))
            {
                throw new InvalidReferenceException($"invalid reference format: invalid registry host \"{host}\" in \"{s}\"");
            }
        }
    }
}
