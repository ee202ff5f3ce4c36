namespace Orch.Engine.Volumes;

public enum VolumeError
{
    /// <summary>Bad name or options.</summary>
    Invalid,

    NotFound,

    /// <summary>A container uses the volume.</summary>
    InUse,
}

/// <summary>A volume operation refused; the message is the line the user sees (Docker's wording).</summary>
public sealed class VolumeException(VolumeError error, string message) : Exception(message)
{
    public VolumeError Error => error;
}
