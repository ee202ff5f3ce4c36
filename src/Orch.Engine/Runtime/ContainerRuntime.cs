using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Orch.Engine.Images;
using Orch.Engine.Network;
using Orch.Engine.Runtime.Cgroups;
using Orch.Engine.Snapshots;
using Orch.Engine.Volumes;

namespace Orch.Engine.Runtime;

/// <summary>
/// The container lifecycle on this node: create, start, stop, kill, remove, exec, attach, and the
/// reaction to exits (restart policies, --rm). One owner for everything a container holds: its
/// overlay mount, cgroup, network attachment, monitor connection and directories.
/// Optional seams (cgroups, network, volumes) may be absent; asking for what needs them is then a
/// clear error rather than a silently unconfined container.
/// </summary>
internal sealed partial class ContainerRuntime(
    EngineOptions options,
    IImageStore images,
    ContainerStore store,
    OverlaySnapshotter snapshots,
    ILogger<ContainerRuntime> logger,
    TimeProvider time,
    ICgroupDriver? cgroups = null,
    INetworkDriver? network = null,
    IVolumeStore? volumes = null)
{
    public const string DefaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private static readonly Regex ValidName = new("^[a-zA-Z0-9][a-zA-Z0-9_.-]+$", RegexOptions.Compiled);
    private readonly CancellationTokenSource shutdown = new();
    private int joinPreparing;

    public string LauncherPath => Path.Combine(options.LauncherDir, "orch-launch");

    public string ExecDir(string id) => Path.Combine(options.ExecRoot, "containers", id);

    /// <summary>
    /// Relay sockets live in one short directory: sun_path holds 108 bytes, too few for
    /// EXEC/containers/64-hex-id/… under a test's temporary root.
    /// </summary>
    public string SocketPath(string id, string suffix = "")
    {
        var dir = Path.Combine(options.ExecRoot, "sock");
        if (!Directory.Exists(dir))
        {
            Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        return Path.Combine(dir, id[..16] + suffix + ".sock");
    }

    private string MonitorSocket(string id) => SocketPath(id);

    public ContainerStore Store => store;

    public ContainerRecord Get(string reference) =>
        store.Find(reference) ?? throw new RuntimeException(RuntimeError.NotFound, $"No such container: {reference}");

    public ContainerRecord Create(CreateOptions o)
    {
        var image = images.Find(o.Image) ?? throw new RuntimeException(RuntimeError.NotFound,
            $"Unable to find image '{o.Image}' locally");
        var entrypoint = o.EntrypointSet ? o.Entrypoint : image.Config.Entrypoint;
        // Docker: a new entrypoint drops the image's Cmd unless a command is given too.
        var cmd = o.Cmd.Count > 0 ? o.Cmd : o.EntrypointSet ? [] : image.Config.Cmd;
        if (entrypoint.Count + cmd.Count == 0 || (entrypoint.Count + cmd.Count > 0 && string.IsNullOrEmpty(entrypoint.Concat(cmd).First())))
        {
            throw new RuntimeException(RuntimeError.InvalidArgument, "no command specified");
        }
        var name = o.Name;
        if (!string.IsNullOrEmpty(name))
        {
            name = name.TrimStart('/');
            if (!ValidName.IsMatch(name))
            {
                throw new RuntimeException(RuntimeError.InvalidArgument, $"Invalid container name ({name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
            }
        }
        var networkMode = ValidateNetwork(o.NetworkMode);
        var (policy, retries) = ValidateRestart(o);
        if ((o.MemoryBytes > 0 || o.NanoCpus > 0 || o.PidsLimit > 0) && cgroups is null)
        {
            throw new RuntimeException(RuntimeError.FailedPrecondition, "resource limits need cgroups, and this daemon has no cgroup driver");
        }
        if (o.MemoryBytes is > 0 and < 6 * 1024 * 1024)
        {
            throw new RuntimeException(RuntimeError.InvalidArgument, "Minimum memory limit allowed is 6MB");
        }
        var stopSignal = string.IsNullOrEmpty(o.StopSignal) ? image.Config.StopSignal ?? "SIGTERM" : o.StopSignal;
        _ = Signals.Parse(stopSignal);

        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var env = MergeEnv(image.Config.Env, o.Env);
        var record = new ContainerRecord
        {
            Id = id,
            Name = string.IsNullOrEmpty(name) ? NameGenerator.Next(store.NameInUse) : name,
            Created = time.GetUtcNow(),
            Image = o.Image,
            ImageId = image.Id,
            LayerDirs = image.LayerDirs,
            Config = new ContainerConfig
            {
                Hostname = string.IsNullOrEmpty(o.Hostname) ? (networkMode == "host" ? Environment.MachineName : id[..12]) : o.Hostname,
                Env = env,
                Entrypoint = entrypoint,
                Cmd = cmd,
                WorkingDir = string.IsNullOrEmpty(o.WorkingDir) ? image.Config.WorkingDir : o.WorkingDir,
                User = string.IsNullOrEmpty(o.User) ? image.Config.User : o.User,
                Tty = o.Tty,
                OpenStdin = o.OpenStdin,
                Labels = o.Labels,
                StopSignal = stopSignal,
                StopTimeout = o.StopTimeout > 0 ? o.StopTimeout : 10,
            },
            HostConfig = new HostConfig
            {
                NetworkMode = networkMode,
                Ports = o.Ports,
                Memory = o.MemoryBytes,
                NanoCpus = o.NanoCpus,
                PidsLimit = o.PidsLimit,
                RestartPolicy = policy,
                MaximumRetryCount = retries,
                AutoRemove = o.AutoRemove,
                Init = o.Init,
            },
        };
        if (record.Config.WorkingDir.Length > 0 && !record.Config.WorkingDir.StartsWith('/'))
        {
            throw new RuntimeException(RuntimeError.InvalidArgument, $"the working directory '{record.Config.WorkingDir}' is invalid, it needs to be an absolute path");
        }
        // Fail at create, not only at start, for a user the image does not know.
        _ = UserResolver.Resolve(record.Config.User, ImageFile(image.LayerDirs, "etc/passwd"), ImageFile(image.LayerDirs, "etc/group"));
        var mounts = ResolveMounts(o.Mounts, out var createdVolumes);
        try
        {
            record = WithMounts(record, mounts);
            if (!store.TryAdd(record))
            {
                throw new RuntimeException(RuntimeError.AlreadyExists,
                    $"Conflict. The container name \"/{record.Name}\" is already in use by container \"{store.Find(record.Name)?.Id}\". You have to remove (or rename) that container to be able to reuse that name.");
            }
            try
            {
                snapshots.Create(id);
                store.Save(record);
            }
            catch
            {
                store.Remove(record);
                snapshots.Remove(id);
                throw;
            }
        }
        catch
        {
            foreach (var v in createdVolumes)
            {
                volumes?.Remove(v, force: true, _ => false);
            }
            throw;
        }
        LogCreated(record.Id, record.Name, record.Image);
        return record;
    }

    private static ContainerRecord WithMounts(ContainerRecord r, IReadOnlyList<MountPoint> mounts) => new()
    {
        Id = r.Id, Name = r.Name, Created = r.Created, Image = r.Image, ImageId = r.ImageId, LayerDirs = r.LayerDirs,
        Config = r.Config, HostConfig = r.HostConfig with { Mounts = mounts },
    };

    private string ValidateNetwork(string mode)
    {
        mode = string.IsNullOrEmpty(mode) || mode == "default" ? "bridge" : mode;
        if (mode is "host" or "none")
        {
            return mode;
        }
        if (mode == "bridge")
        {
            return network is null
                ? throw new RuntimeException(RuntimeError.FailedPrecondition, "network bridge is not available: this daemon has no network driver (use --network none or host)")
                : mode;
        }
        if (mode.StartsWith("container:", StringComparison.Ordinal))
        {
            var other = Get(mode["container:".Length..]);
            return "container:" + other.Id;
        }
        throw new RuntimeException(RuntimeError.NotFound, $"network {mode} not found");
    }

    private static (string Policy, int Retries) ValidateRestart(CreateOptions o)
    {
        var policy = string.IsNullOrEmpty(o.RestartPolicy) ? "no" : o.RestartPolicy;
        if (policy is not ("no" or "always" or "unless-stopped" or "on-failure"))
        {
            throw new RuntimeException(RuntimeError.InvalidArgument, $"invalid restart policy: unknown policy '{policy}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'");
        }
        if (o.MaximumRetryCount != 0 && policy != "on-failure")
        {
            throw new RuntimeException(RuntimeError.InvalidArgument, $"invalid restart policy: maximum retry count can only be used with 'on-failure'");
        }
        if (o.AutoRemove && policy != "no")
        {
            throw new RuntimeException(RuntimeError.InvalidArgument, "Conflicting options: --restart and --rm");
        }
        return (policy, o.MaximumRetryCount);
    }

    private static List<string> MergeEnv(IReadOnlyList<string> imageEnv, IReadOnlyList<string> env)
    {
        var result = new List<string>();
        void Set(string kv)
        {
            var key = kv.Split('=', 2)[0];
            result.RemoveAll(e => e.Split('=', 2)[0] == key);
            result.Add(kv);
        }
        foreach (var e in imageEnv)
        {
            Set(e);
        }
        foreach (var e in env)
        {
            if (e.Split('=', 2)[0].Length == 0)
            {
                throw new RuntimeException(RuntimeError.InvalidArgument, $"invalid environment variable: {e}");
            }
            Set(e);
        }
        if (!result.Any(e => e.StartsWith("PATH=", StringComparison.Ordinal)))
        {
            result.Insert(0, DefaultPath);
        }
        return result;
    }

    private List<MountPoint> ResolveMounts(IReadOnlyList<MountRequest> requests, out List<string> createdVolumes)
    {
        createdVolumes = [];
        var result = new List<MountPoint>();
        foreach (var m in requests)
        {
            if (!m.Target.StartsWith('/') || m.Target == "/")
            {
                throw new RuntimeException(RuntimeError.InvalidArgument, $"invalid mount config: mount path must be absolute and not /: {m.Target}");
            }
            if (result.Any(r => r.Destination == m.Target))
            {
                throw new RuntimeException(RuntimeError.InvalidArgument, $"Duplicate mount point: {m.Target}");
            }
            switch (m.Type)
            {
                case "bind":
                    if (!m.Source.StartsWith('/'))
                    {
                        throw new RuntimeException(RuntimeError.InvalidArgument, $"invalid mount config: bind source path must be absolute: {m.Source}");
                    }
                    if (!File.Exists(m.Source) && !Directory.Exists(m.Source))
                    {
                        // As Docker's -v: a missing host directory is created.
                        Directory.CreateDirectory(m.Source);
                    }
                    result.Add(new MountPoint("bind", m.Source, m.Target, m.ReadOnly, ""));
                    break;
                case "volume":
                    var store = volumes ?? throw new RuntimeException(RuntimeError.FailedPrecondition, "volumes are not available: this daemon has no volume store");
                    var existing = m.Source.Length > 0 ? store.Get(m.Source) : null;
                    var volume = existing ?? store.Create(m.Source.Length > 0 ? m.Source : null, new Dictionary<string, string>());
                    if (existing is null)
                    {
                        createdVolumes.Add(volume.Name);
                    }
                    result.Add(new MountPoint("volume", volume.Mountpoint, m.Target, m.ReadOnly, volume.Name));
                    break;
                case "tmpfs":
                    result.Add(new MountPoint("tmpfs", "", m.Target, m.ReadOnly, ""));
                    break;
                default:
                    throw new RuntimeException(RuntimeError.InvalidArgument, $"invalid mount type: {m.Type}");
            }
        }
        return result;
    }

    /// <summary>A file of the image as the container would see it: the top-most layer that has it.</summary>
    private static string ImageFile(IReadOnlyList<string> layerDirs, string relative)
    {
        foreach (var layer in layerDirs.Reverse())
        {
            var path = Path.Combine(layer, relative);
            if (File.Exists(path))
            {
                return File.ReadAllText(path);
            }
        }
        return "";
    }

    /// <summary>True when a container (any state) refers to the volume; for IVolumeStore.Remove/Prune.</summary>
    public bool VolumeInUse(string name) =>
        store.All().Any(c => c.HostConfig.Mounts.Any(m => m.Type == "volume" && m.Name == name));
}
