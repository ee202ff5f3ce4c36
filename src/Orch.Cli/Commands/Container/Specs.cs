using System.Globalization;
using Orch.Api.V1;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Container;

/// <summary>Docker's -p, -v, -m and --restart syntaxes.</summary>
internal static class Specs
{
    /// <summary>[IP:]HOST:CONTAINER[/tcp|udp], or CONTAINER alone (any free host port).</summary>
    public static PortMapping ParsePort(string spec, string cmd)
    {
        UsageException Bad(string why) => new($"invalid argument \"{spec}\" for \"-p, --publish\" flag: {why}", cmd);
        var proto = "tcp";
        var body = spec;
        var slash = spec.LastIndexOf('/');
        if (slash >= 0)
        {
            proto = spec[(slash + 1)..];
            body = spec[..slash];
            if (proto is not ("tcp" or "udp"))
            {
                throw Bad($"invalid proto: {proto}");
            }
        }
        var parts = body.Split(':');
        string ip = "", host = "", container;
        switch (parts.Length)
        {
            case 1: container = parts[0]; break;
            case 2: host = parts[0]; container = parts[1]; break;
            case 3: ip = parts[0]; host = parts[1]; container = parts[2]; break;
            default: throw Bad("invalid port specification");
        }
        // IPAddress.TryParse accepts "1.2.3" (as 1.2.0.3); Docker wants four parts.
        if (ip.Length > 0 && (ip.Split('.').Length != 4 || !global::System.Net.IPAddress.TryParse(ip, out _)))
        {
            throw Bad($"invalid IP address: {ip}");
        }
        var c = Port(container) ?? throw Bad($"invalid containerPort: {container}");
        var h = host.Length == 0 ? 0 : Port(host) ?? throw Bad($"invalid hostPort: {host}");
        return new PortMapping { HostIp = ip, HostPort = (uint)h, ContainerPort = (uint)c, Protocol = proto };
    }

    private static int? Port(string s) =>
        int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is > 0 and < 65536 ? p : null;

    /// <summary>HOST:CTR[:ro|rw] (bind when HOST is a path), NAME:CTR[:ro] (volume), CTR (anonymous volume).</summary>
    public static MountSpec ParseVolume(string spec, string cmd)
    {
        UsageException Bad() => new($"invalid argument \"{spec}\" for \"-v, --volume\" flag: invalid volume specification: '{spec}'", cmd);
        var parts = spec.Split(':');
        // A NUL cannot be in a path (Path.GetFullPath would throw ArgumentException past the usage error).
        if (parts.Any(p => p.Length == 0) || parts.Length > 3 || spec.Contains('\0', StringComparison.Ordinal))
        {
            throw Bad();
        }
        var ro = false;
        if (parts.Length == 3)
        {
            ro = parts[2] switch { "ro" => true, "rw" => false, _ => throw Bad() };
        }
        if (parts.Length == 1)
        {
            return parts[0].StartsWith('/') ? new MountSpec { Type = "volume", Target = parts[0] } : throw Bad();
        }
        var (source, target) = (parts[0], parts[1]);
        if (!target.StartsWith('/'))
        {
            throw Bad();
        }
        if (source.StartsWith('/') || source.StartsWith('.'))
        {
            return new MountSpec { Type = "bind", Source = Path.GetFullPath(source), Target = target, ReadOnly = ro };
        }
        return new MountSpec { Type = "volume", Source = source, Target = target, ReadOnly = ro };
    }

    /// <summary>go-units RAMInBytes: 32m, 1g, 512k, 100 (bytes), case-insensitive, optional trailing b.</summary>
    public static long? ParseSize(string s)
    {
        var t = s.Trim().ToLowerInvariant();
        if (t.EndsWith('b') && t.Length > 1 && !char.IsDigit(t[^2]))
        {
            t = t[..^1];
        }
        long mult = 1;
        if (t.Length > 0 && "kmgt".Contains(t[^1], StringComparison.Ordinal))
        {
            mult = t[^1] switch { 'k' => 1L << 10, 'm' => 1L << 20, 'g' => 1L << 30, _ => 1L << 40 };
            t = t[..^1];
        }
        else if (t.EndsWith('b'))
        {
            t = t[..^1];
        }
        return decimal.TryParse(t, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n) && n > 0
            ? (long)(n * mult) : null;
    }

    public static RestartPolicy ParseRestart(string s, string cmd)
    {
        var parts = s.Split(':', 2);
        var policy = new RestartPolicy { Name = parts[0] };
        if (parts.Length == 2)
        {
            if (parts[0] != "on-failure" || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                throw new UsageException($"invalid argument \"{s}\" for \"--restart\" flag: invalid restart policy format", cmd);
            }
            policy.MaximumRetryCount = n;
        }
        if (policy.Name is not ("no" or "always" or "unless-stopped" or "on-failure"))
        {
            throw new UsageException($"invalid argument \"{s}\" for \"--restart\" flag: invalid restart policy {policy.Name}", cmd);
        }
        return policy;
    }
}
