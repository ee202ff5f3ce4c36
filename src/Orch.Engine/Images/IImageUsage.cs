namespace Orch.Engine.Images;

/// <summary>
/// Seam for the runtime: tells `orch rmi` which container, if any, uses an image, so that an image under a
/// container is not removed without -f. The runtime registers its implementation; until then
/// <see cref="NoImageUsage"/> says "not in use".
/// </summary>
public interface IImageUsage
{
    /// <summary>ID of a container (any state) created from the image with this ID (sha256:…), or null.</summary>
    string? ContainerUsing(string imageId);
}

/// <summary>The default when no runtime is wired: no container uses any image.</summary>
public sealed class NoImageUsage : IImageUsage
{
    public string? ContainerUsing(string imageId) => null;
}
