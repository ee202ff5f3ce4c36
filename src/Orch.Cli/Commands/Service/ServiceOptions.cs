using Orch.Api.V1.Objects;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Service;

/// <summary>Parsers for the structured flag values: --publish, --mount, --placement-pref, K=V lists, env files.</summary>
internal static class ServiceOptions
{
    /// <summary>"8080:80", "8080:80/udp", "80" (published chosen by the manager) or "published=8080,target=80,protocol=udp,mode=host[,proxy-protocol=v2]".</summary>
    public static PortConfig Port(string command, string flag, string value)
    {
        var port = new PortConfig();
        if (value.Contains('=', StringComparison.Ordinal))
        {
            foreach (var field in value.Split(','))
            {
                var (k, v) = KeyValue(field);
                switch (k.ToLowerInvariant())
                {
                    case "published":
                        port.PublishedPort = PortNumber(command, flag, value, v);
                        break;
                    case "target":
                        port.TargetPort = PortNumber(command, flag, value, v);
                        break;
                    case "protocol":
                        port.Protocol = Protocol(command, flag, value, v);
                        break;
                    case "mode":
                        port.PublishMode = v switch
                        {
                            "ingress" => PublishMode.Ingress,
                            "host" => PublishMode.Host,
                            _ => throw ServiceUnits.Invalid(command, flag, value, $"invalid publish mode value ({v}): must be either 'ingress' or 'host'"),
                        };
                        break;
                    case "proxy-protocol":
                        // orch's own field (Docker has none): the PROXY protocol header the load balancer sends the task.
                        port.ProxyProtocol = v switch
                        {
                            "v2" => "v2",
                            "none" or "" => "",
                            _ => throw ServiceUnits.Invalid(command, flag, value, $"invalid proxy-protocol value ({v}): must be 'v2' or 'none'"),
                        };
                        break;
                    default:
                        throw ServiceUnits.Invalid(command, flag, value, $"invalid field key {k}");
                }
            }
            if (port.ProxyProtocol.Length > 0 && port.PublishMode == PublishMode.Host)
            {
                throw ServiceUnits.Invalid(command, flag, value, "proxy-protocol needs mode=ingress: with mode=host no load balancer is in the path");
            }
            return port.TargetPort != 0 ? port
                : throw ServiceUnits.Invalid(command, flag, value, "missing mandatory field \"target\"");
        }
        var spec = value;
        var slash = spec.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            port.Protocol = Protocol(command, flag, value, spec[(slash + 1)..]);
            spec = spec[..slash];
        }
        var colon = spec.LastIndexOf(':');
        if (colon >= 0)
        {
            port.PublishedPort = PortNumber(command, flag, value, spec[..colon]);
            spec = spec[(colon + 1)..];
        }
        port.TargetPort = PortNumber(command, flag, value, spec);
        return port;
    }

    private static uint PortNumber(string command, string flag, string value, string s) =>
        uint.TryParse(s, out var p) && p is > 0 and <= 65535 ? p
            : throw ServiceUnits.Invalid(command, flag, value, $"invalid port number: {s}");

    private static PortProtocol Protocol(string command, string flag, string value, string s) => s.ToLowerInvariant() switch
    {
        "tcp" => PortProtocol.Tcp,
        "udp" => PortProtocol.Udp,
        _ => throw ServiceUnits.Invalid(command, flag, value, $"invalid protocol: {s}"),
    };

    /// <summary>docker's --mount: type=bind|volume|tmpfs, src/source, dst/destination/target, readonly|ro[=bool], tmpfs-size.</summary>
    public static Mount Mount(string command, string flag, string value)
    {
        var mount = new Mount { Type = MountType.Volume };
        foreach (var field in value.Split(','))
        {
            var (k, v) = KeyValue(field);
            switch (k.ToLowerInvariant())
            {
                case "type":
                    mount.Type = v switch
                    {
                        "bind" => MountType.Bind,
                        "volume" => MountType.Volume,
                        "tmpfs" => MountType.Tmpfs,
                        _ => throw ServiceUnits.Invalid(command, flag, value, $"invalid mount type: {v}"),
                    };
                    break;
                case "source" or "src":
                    mount.Source = v;
                    break;
                case "target" or "dst" or "destination":
                    mount.Target = v;
                    break;
                case "readonly" or "ro":
                    mount.ReadOnly = field.Contains('=', StringComparison.Ordinal) ? v switch
                    {
                        "1" or "true" => true,
                        "0" or "false" => false,
                        _ => throw ServiceUnits.Invalid(command, flag, value, $"invalid value for {k}: {v}"),
                    } : true;
                    break;
                case "tmpfs-size":
                    mount.TmpfsSizeBytes = ServiceUnits.Size(command, flag, v);
                    break;
                default:
                    throw ServiceUnits.Invalid(command, flag, value, $"unexpected key '{k}' in '{field}'");
            }
        }
        if (mount.Target.Length == 0)
        {
            throw ServiceUnits.Invalid(command, flag, value, "target is required");
        }
        if (mount.Type == MountType.Bind && mount.Source.Length == 0)
        {
            throw ServiceUnits.Invalid(command, flag, value, "source is required when specifying bind mounts");
        }
        if (mount.Type == MountType.Tmpfs && mount.Source.Length > 0)
        {
            throw ServiceUnits.Invalid(command, flag, value, "source must not be specified for tmpfs mounts");
        }
        return mount;
    }

    /// <summary>"spread=node.labels.zone": the only strategy Swarm has.</summary>
    public static PlacementPreference Preference(string command, string flag, string value)
    {
        var (k, v) = KeyValue(value);
        if (k != "spread" || !value.Contains('=', StringComparison.Ordinal))
        {
            throw ServiceUnits.Invalid(command, flag, value, value.Contains('=', StringComparison.Ordinal)
                ? $"unsupported placement preference {k} (only spread is supported)"
                : "placement preference must be of the format \"<strategy>=<arg>\"");
        }
        return new PlacementPreference { SpreadDescriptor = v };
    }

    /// <summary>"K=V" → (K, V); "K" → (K, "").</summary>
    public static (string Key, string Value) KeyValue(string s)
    {
        var eq = s.IndexOf('=', StringComparison.Ordinal);
        return eq < 0 ? (s.Trim(), "") : (s[..eq].Trim(), s[(eq + 1)..]);
    }

    /// <summary>An env file as docker reads it: one K=V per line, # comments and blank lines skipped, a bare K takes the CLI's environment.</summary>
    public static IEnumerable<string> EnvFile(string path)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"open {path}: {(e is FileNotFoundException or DirectoryNotFoundException ? "no such file or directory" : e.Message)}", 125);
        }
        foreach (var raw in lines)
        {
            var line = raw.TrimStart();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            if (line.Contains('=', StringComparison.Ordinal))
            {
                yield return line;
            }
            else if (Environment.GetEnvironmentVariable(line) is { } fromEnv)
            {
                yield return line + "=" + fromEnv;
            }
        }
    }

    /// <summary>Splits a command string as a shell would for simple quoting ("a 'b c'" → [a, b c]).</summary>
    public static List<string> Words(string s)
    {
        var words = new List<string>();
        var cur = new global::System.Text.StringBuilder();
        var inWord = false;
        char quote = '\0';
        foreach (var c in s)
        {
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
                else
                {
                    cur.Append(c);
                }
            }
            else if (c is '\'' or '"')
            {
                quote = c;
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(cur.ToString());
                    cur.Clear();
                    inWord = false;
                }
            }
            else
            {
                cur.Append(c);
                inWord = true;
            }
        }
        if (inWord)
        {
            words.Add(cur.ToString());
        }
        return words;
    }
}
