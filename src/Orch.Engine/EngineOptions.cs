namespace Orch.Engine;

/// <summary>Where the engine keeps its state and which names it may use on the host.</summary>
public sealed class EngineOptions
{
    /// <summary>Persistent state: images, container configs, volumes.</summary>
    public required string DataRoot { get; init; }

    /// <summary>Runtime state (tmpfs in production): rootfs mounts, monitor sockets, pid files.</summary>
    public required string ExecRoot { get; init; }

    /// <summary>Bridge interface of the default network; unique per daemon on one machine.</summary>
    public string Bridge { get; init; } = "orch0";

    /// <summary>Subnet of the default network.</summary>
    public string Subnet { get; init; } = "10.88.0.0/16";

    /// <summary>Parent of every container cgroup (relative to each hierarchy's root); unique per daemon in tests.</summary>
    public string CgroupParent { get; init; } = "orch";

    /// <summary>Registries (HOST[:PORT]) reached over plain HTTP although not on loopback (orchd --insecure-registry).</summary>
    public IReadOnlyList<string> InsecureRegistries { get; init; } = [];

    /// <summary>Directory that holds the native launcher binary (orch-launch).</summary>
    public required string LauncherDir { get; init; }
}
