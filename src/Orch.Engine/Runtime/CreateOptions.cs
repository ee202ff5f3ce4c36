namespace Orch.Engine.Runtime;

/// <summary>What `orch create`/`orch run` asks for (the engine's view of proto ContainerSpec).</summary>
public sealed record CreateOptions
{
    public string? Name { get; init; }
    public required string Image { get; init; }
    public IReadOnlyList<string> Cmd { get; init; } = [];
    public IReadOnlyList<string> Entrypoint { get; init; } = [];
    public bool EntrypointSet { get; init; }
    public IReadOnlyList<string> Env { get; init; } = [];
    public string WorkingDir { get; init; } = "";
    public string User { get; init; } = "";
    public string Hostname { get; init; } = "";
    public IReadOnlyList<MountRequest> Mounts { get; init; } = [];
    public IReadOnlyList<Network.PortBinding> Ports { get; init; } = [];
    public string NetworkMode { get; init; } = "";
    public long MemoryBytes { get; init; }
    public long NanoCpus { get; init; }
    public long PidsLimit { get; init; }
    public string RestartPolicy { get; init; } = "";
    public int MaximumRetryCount { get; init; }
    public bool OpenStdin { get; init; }
    public bool Tty { get; init; }
    public bool AutoRemove { get; init; }
    public bool Init { get; init; }
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public string StopSignal { get; init; } = "";
    public int StopTimeout { get; init; }
}

/// <param name="Type">bind | volume | tmpfs</param>
/// <param name="Source">Host path (bind), volume name ("" = anonymous volume), or "" (tmpfs).</param>
public sealed record MountRequest(string Type, string Source, string Target, bool ReadOnly);
