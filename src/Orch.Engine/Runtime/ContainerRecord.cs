namespace Orch.Engine.Runtime;

/// <summary>
/// Everything the engine knows about one container, as persisted in DATA/containers/ID/config.json.
/// Mutated only under <see cref="ContainerRuntime"/>'s per-container lock, and saved after every change.
/// </summary>
internal sealed class ContainerRecord
{
    public required string Id { get; init; }
    public required string Name { get; set; }
    public required DateTimeOffset Created { get; init; }
    /// <summary>The image as the user named it.</summary>
    public required string Image { get; init; }
    public required string ImageId { get; init; }
    /// <summary>Unpacked layer directories, base first; kept so a restart does not depend on the image store.</summary>
    public required IReadOnlyList<string> LayerDirs { get; init; }
    public required ContainerConfig Config { get; init; }
    public required HostConfig HostConfig { get; init; }
    public ContainerState State { get; set; } = new();
    public NetworkSettings? Network { get; set; }

    [System.Text.Json.Serialization.JsonIgnore]
    public string ShortId => Id[..12];

    [System.Text.Json.Serialization.JsonIgnore]
    public ContainerLive Live { get; } = new();
}

/// <summary>The process to run, resolved against the image's config at create time.</summary>
internal sealed record ContainerConfig
{
    public required string Hostname { get; init; }
    public required IReadOnlyList<string> Env { get; init; }
    public required IReadOnlyList<string> Entrypoint { get; init; }
    public required IReadOnlyList<string> Cmd { get; init; }
    public string WorkingDir { get; init; } = "";
    public string User { get; init; } = "";
    public bool Tty { get; init; }
    public bool OpenStdin { get; init; }
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public string StopSignal { get; init; } = "SIGTERM";
    public int StopTimeout { get; init; } = 10;

    /// <summary>argv of the container's process: entrypoint then cmd.</summary>
    public IReadOnlyList<string> Argv => [.. Entrypoint, .. Cmd];
}

internal sealed record HostConfig
{
    public IReadOnlyList<MountPoint> Mounts { get; init; } = [];
    public IReadOnlyList<Network.PortBinding> Ports { get; init; } = [];
    public string NetworkMode { get; init; } = "bridge";
    public long Memory { get; init; }
    public long NanoCpus { get; init; }
    public long PidsLimit { get; init; }
    public string RestartPolicy { get; init; } = "no";
    public int MaximumRetryCount { get; init; }
    public bool AutoRemove { get; init; }
    public bool Init { get; init; }
}

/// <param name="Type">bind | volume | tmpfs</param>
/// <param name="Source">Host path (bind, volume mountpoint) or "" (tmpfs).</param>
/// <param name="Name">Volume name for type volume.</param>
internal sealed record MountPoint(string Type, string Source, string Destination, bool ReadOnly, string Name);

internal sealed class ContainerState
{
    /// <summary>created | running | exited | dead (Docker's words).</summary>
    public string Status { get; set; } = "created";
    public int Pid { get; set; }
    public int MonitorPid { get; set; }
    public long MonitorStartTime { get; set; }
    public int ExitCode { get; set; }
    public bool OomKilled { get; set; }
    public string Error { get; set; } = "";
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    public int RestartCount { get; set; }
    /// <summary>Stopped by the user: restart policies other than "always" leave it alone.</summary>
    public bool ManuallyStopped { get; set; }

    public bool Running => Status == "running";
}

internal sealed record NetworkSettings(string IPAddress, int PrefixLength, string Gateway, string MacAddress, string HostInterface);
