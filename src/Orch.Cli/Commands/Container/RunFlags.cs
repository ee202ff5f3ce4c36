using System.Globalization;
using Orch.Api.V1;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Container;

/// <summary>The flags shared by `orch run` and `orch create`, parsed as docker/cli parses them.</summary>
internal sealed class RunFlags
{
    private readonly FlagSet flags;
    private readonly FlagSet.Flag detach, rm, name, env, envFile, workdir, user, hostname, volume, tmpfs, publish, network, net,
        memory, cpus, pidsLimit, restart, entrypoint, interactive, tty, init, label, stopSignal, stopTimeout;

    public RunFlags(CliContext ctx, ICommand command, bool withDetach)
    {
        flags = new FlagSet(ctx, command) { StopAtFirstPositional = true };
        detach = withDetach ? flags.Bool("d", "detach", "Run container in background and print container ID") : new FlagSet.Flag(null, "detach", true, "", null);
        rm = flags.Bool(null, "rm", "Automatically remove the container when it exits");
        name = flags.String(null, "name", "Assign a name to the container");
        env = flags.String("e", "env", "Set environment variables", "list");
        envFile = flags.String(null, "env-file", "Read in a file of environment variables", "list");
        workdir = flags.String("w", "workdir", "Working directory inside the container");
        user = flags.String("u", "user", "Username or UID (format: <name|uid>[:<group|gid>])");
        hostname = flags.String("h", "hostname", "Container host name");
        volume = flags.String("v", "volume", "Bind mount a volume", "list");
        tmpfs = flags.String(null, "tmpfs", "Mount a tmpfs directory", "list");
        publish = flags.String("p", "publish", "Publish a container's port(s) to the host", "list");
        network = flags.String(null, "network", "Connect a container to a network (bridge|host|none|container:ID)", "network");
        net = flags.String(null, "net", "Alias of --network", "network");
        memory = flags.String("m", "memory", "Memory limit", "bytes");
        cpus = flags.String(null, "cpus", "Number of CPUs", "decimal");
        pidsLimit = flags.String(null, "pids-limit", "Tune container pids limit (set -1 for unlimited)", "int");
        restart = flags.String(null, "restart", "Restart policy to apply when a container exits", "string");
        entrypoint = flags.String(null, "entrypoint", "Overwrite the default ENTRYPOINT of the image");
        interactive = flags.Bool("i", "interactive", "Keep STDIN open even if not attached");
        tty = flags.Bool("t", "tty", "Allocate a pseudo-TTY");
        init = flags.Bool(null, "init", "Run an init inside the container that forwards signals and reaps processes");
        label = flags.String("l", "label", "Set meta data on a container", "list");
        stopSignal = flags.String(null, "stop-signal", "Signal to stop the container");
        stopTimeout = flags.String(null, "stop-timeout", "Timeout (in seconds) to stop a container", "int");
    }

    public bool Detach => detach.On();
    public bool Interactive => interactive.On();
    public bool Tty => tty.On();

    /// <summary>Parses the command line into a create request; throws UsageException on bad syntax.</summary>
    public CreateContainerRequest Parse(IReadOnlyList<string> args)
    {
        flags.Parse(args, atLeast: 1);
        var cmd = flags.Command;
        var spec = new ContainerSpec
        {
            Image = flags.Positionals[0],
            WorkingDir = workdir.ValueOr(""),
            User = user.ValueOr(""),
            Hostname = hostname.ValueOr(""),
            NetworkMode = network.Value() ?? net.ValueOr(""),
            OpenStdin = interactive.On(),
            Tty = tty.On(),
            AutoRemove = rm.On(),
            Init = init.On(),
            StopSignal = stopSignal.ValueOr(""),
            StopTimeout = stopTimeout.IntOr(0, cmd),
        };
        spec.Cmd.AddRange(flags.Positionals.Skip(1));
        if (entrypoint.Value() is { } ep)
        {
            spec.EntrypointSet = true;
            if (ep.Length > 0)
            {
                spec.Entrypoint.Add(ep);
            }
        }
        foreach (var f in envFile.Values)
        {
            spec.Env.AddRange(ReadEnvFile(f, cmd));
        }
        foreach (var e in env.Values)
        {
            spec.Env.Add(ExpandEnv(e));
        }
        foreach (var l in label.Values)
        {
            var kv = l.Split('=', 2);
            spec.Labels[kv[0]] = kv.Length > 1 ? kv[1] : "";
        }
        foreach (var v in volume.Values)
        {
            spec.Mounts.Add(Specs.ParseVolume(v, cmd));
        }
        foreach (var t in tmpfs.Values)
        {
            var target = t.Split(':', 2)[0];
            if (!target.StartsWith('/'))
            {
                throw new UsageException($"invalid argument \"{t}\" for \"--tmpfs\" flag: invalid mount path: must be absolute", cmd);
            }
            spec.Mounts.Add(new MountSpec { Type = "tmpfs", Target = target });
        }
        foreach (var p in publish.Values)
        {
            spec.Ports.Add(Specs.ParsePort(p, cmd));
        }
        if (memory.Value() is { } m)
        {
            spec.MemoryBytes = Specs.ParseSize(m) ?? throw new UsageException($"invalid argument \"{m}\" for \"-m, --memory\" flag: invalid size: '{m}'", cmd);
        }
        if (cpus.Value() is { } c)
        {
            if (!decimal.TryParse(c, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n) || n < 0)
            {
                throw new UsageException($"invalid argument \"{c}\" for \"--cpus\" flag: failed to parse {c} as a rational number", cmd);
            }
            spec.NanoCpus = (long)(n * 1_000_000_000m);
        }
        if (pidsLimit.Value() is { } pl)
        {
            spec.PidsLimit = long.TryParse(pl, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? Math.Max(0, n)
                : throw new UsageException($"invalid argument \"{pl}\" for \"--pids-limit\" flag: strconv.ParseInt: parsing \"{pl}\": invalid syntax", cmd);
        }
        if (restart.Value() is { } r)
        {
            spec.RestartPolicy = Specs.ParseRestart(r, cmd);
        }
        return new CreateContainerRequest { Name = name.ValueOr(""), Spec = spec };
    }

    private static string ExpandEnv(string e) =>
        e.Contains('=', StringComparison.Ordinal) ? e : Environment.GetEnvironmentVariable(e) is { } v ? $"{e}={v}" : e;

    private static IEnumerable<string> ReadEnvFile(string path, string cmd)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (IOException e)
        {
            throw new UsageException($"open {path}: {e.Message}", cmd);
        }
        return lines.Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).Select(ExpandEnv).ToList();
    }
}
