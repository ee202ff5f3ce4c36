namespace Orch.Engine.Images;

/// <summary>
/// Seam between images and the runtime. The runtime only needs to turn a reference into an image's
/// config and the directories of its unpacked layers; everything else (import, pull, rmi) stays in Images.
/// Contract: returned layer directories exist, are complete (never a partially unpacked layer) and are
/// never modified afterwards; they are shared read-only by every container of every image that uses them.
/// </summary>
public interface IImageStore
{
    /// <summary>Finds an image by name[:tag], full id (sha256:…), or unique id prefix; null when unknown.</summary>
    ImageRecord? Find(string reference);
}

/// <summary>An image as the runtime sees it.</summary>
/// <param name="Id">sha256:… digest of the image config.</param>
/// <param name="LayerDirs">Unpacked layer directories, lowest (base) layer first.</param>
public sealed record ImageRecord(
    string Id,
    IReadOnlyList<string> RepoTags,
    ImageConfig Config,
    IReadOnlyList<string> LayerDirs,
    long Size,
    DateTimeOffset Created);

/// <summary>The parts of the OCI image config the runtime applies.</summary>
public sealed record ImageConfig
{
    public IReadOnlyList<string> Env { get; init; } = [];
    public IReadOnlyList<string> Entrypoint { get; init; } = [];
    public IReadOnlyList<string> Cmd { get; init; } = [];
    public string WorkingDir { get; init; } = "";
    public string User { get; init; } = "";
    public string? StopSignal { get; init; }
    public IReadOnlyList<string> ExposedPorts { get; init; } = [];
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
}
