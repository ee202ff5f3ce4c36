using System.Text.Json.Serialization;

namespace Orch.Engine.Images.Oci;

/// <summary>OCI image configuration (image-spec config.md); the image ID is the digest of its bytes.</summary>
internal sealed class OciImage
{
    [JsonPropertyName("created")] public DateTimeOffset? Created { get; set; }
    [JsonPropertyName("author")] public string? Author { get; set; }
    [JsonPropertyName("architecture")] public string Architecture { get; set; } = "";
    [JsonPropertyName("os")] public string Os { get; set; } = "linux";
    [JsonPropertyName("config")] public OciContainerConfig? Config { get; set; }
    [JsonPropertyName("rootfs")] public OciRootFs RootFs { get; set; } = new();
    [JsonPropertyName("history")] public List<OciHistory>? History { get; set; }
}

/// <summary>The execution defaults of an image; names are PascalCase in the spec.</summary>
internal sealed class OciContainerConfig
{
    public string? User { get; set; }
    public Dictionary<string, EmptyObject>? ExposedPorts { get; set; }
    public List<string>? Env { get; set; }
    public List<string>? Entrypoint { get; set; }
    public List<string>? Cmd { get; set; }
    public Dictionary<string, EmptyObject>? Volumes { get; set; }
    public string? WorkingDir { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
    public string? StopSignal { get; set; }

    // Docker's additions to the OCI fields, written by `orch build` (HEALTHCHECK, ONBUILD, SHELL).
    public OciHealthcheck? Healthcheck { get; set; }
    public List<string>? OnBuild { get; set; }
    public List<string>? Shell { get; set; }
}

/// <summary>Docker's image-config healthcheck; durations in nanoseconds.</summary>
internal sealed class OciHealthcheck
{
    public List<string>? Test { get; set; }
    public long? Interval { get; set; }
    public long? Timeout { get; set; }
    public long? StartPeriod { get; set; }
    public long? StartInterval { get; set; }
    public int? Retries { get; set; }
}

internal sealed class OciRootFs
{
    [JsonPropertyName("type")] public string Type { get; set; } = "layers";
    [JsonPropertyName("diff_ids")] public List<string> DiffIds { get; set; } = [];
}

internal sealed class OciHistory
{
    [JsonPropertyName("created")] public DateTimeOffset? Created { get; set; }
    [JsonPropertyName("created_by")] public string? CreatedBy { get; set; }
    [JsonPropertyName("author")] public string? Author { get; set; }
    [JsonPropertyName("comment")] public string? Comment { get; set; }
    [JsonPropertyName("empty_layer")] public bool? EmptyLayer { get; set; }
}

/// <summary>The "{}" values of ExposedPorts and Volumes.</summary>
internal sealed class EmptyObject;
