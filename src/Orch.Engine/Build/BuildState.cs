using Orch.Engine.Images;
using Orch.Engine.Images.Oci;

namespace Orch.Engine.Build;

/// <summary>
/// The image as it stands after a step: its config and layers. <see cref="Id"/> is the digest of the config,
/// as an image ID would be; it is what ` ---> 3f2a…` prints and what the next step's cache key starts from.
/// </summary>
internal sealed class BuildState
{
    public BuildState(OciImage config, IReadOnlyList<BuiltLayer> layers)
        : this(OciJson.Serialize(config), layers, null)
    {
    }

    /// <param name="id">The base image's own ID for a FROM state (its stored bytes may differ from ours).</param>
    public BuildState(byte[] bytes, IReadOnlyList<BuiltLayer> layers, string? id)
    {
        Bytes = bytes;
        Config = OciJson.ParseImage(bytes);
        Config.Config ??= new OciContainerConfig();
        Layers = layers;
        Id = id ?? Digest.Of(bytes);
        IsBase = id is not null;
    }

    /// <summary>True for the unchanged image of a FROM line: the build's result is then that image itself.</summary>
    public bool IsBase { get; }

    public OciImage Config { get; }

    public IReadOnlyList<BuiltLayer> Layers { get; }

    public byte[] Bytes { get; }

    public string Id { get; }

    public OciContainerConfig C => Config.Config!;

    public static BuildState Scratch() => new(new OciImage
    {
        Architecture = ImageStore.GoArch(),
        Os = "linux",
        Config = new OciContainerConfig(),
        RootFs = new OciRootFs(),
        History = [],
    }, []);

    /// <summary>A deep copy of the config to change for the next step.</summary>
    public OciImage CopyConfig()
    {
        var copy = OciJson.ParseImage(Bytes);
        copy.Config ??= new OciContainerConfig();
        copy.History ??= [];
        return copy;
    }

    /// <summary>The next state: a changed config, with or without a new layer, and one history entry.</summary>
    public BuildState Next(OciImage config, string createdBy, BuiltLayer? layer)
    {
        var now = DateTimeOffset.UtcNow;
        config.Created = now;
        config.History!.Add(new OciHistory { Created = now, CreatedBy = createdBy, EmptyLayer = layer is null ? true : null });
        var layers = Layers.ToList();
        if (layer is not null)
        {
            layers.Add(layer);
            config.RootFs.DiffIds.Add(layer.DiffId);
        }
        return new BuildState(config, layers);
    }
}
