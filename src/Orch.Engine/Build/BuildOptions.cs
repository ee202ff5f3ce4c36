namespace Orch.Engine.Build;

/// <summary>What `orch build` asks for. <see cref="ContextDir"/> is the unpacked context on the daemon's side.</summary>
public sealed record BuildOptions
{
    public required string ContextDir { get; init; }
    public required string DockerfileText { get; init; }
    public string DockerfileName { get; init; } = "Dockerfile";
    public IReadOnlyList<string> Tags { get; init; } = [];
    public IReadOnlyDictionary<string, string> BuildArgs { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public bool NoCache { get; init; }
    public string Target { get; init; } = "";
    public bool Pull { get; init; }
    public bool Quiet { get; init; }
}
