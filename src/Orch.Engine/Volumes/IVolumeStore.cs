namespace Orch.Engine.Volumes;

/// <summary>
/// Named volumes: directories under the data root that outlive containers (the local driver).
/// Contract: Create of an existing name returns it unchanged; Remove refuses a volume in use, forced or
/// not (as Docker: force only makes an unknown name no error); Prune removes every volume no container
/// uses (Docker 20.10's `volume prune`, the one Debian ships). Failures are <see cref="VolumeException"/>.
/// </summary>
public interface IVolumeStore
{
    /// <param name="name">Null or empty: an anonymous volume with a random 64-hex name.</param>
    VolumeRecord Create(string? name, IReadOnlyDictionary<string, string> labels);

    VolumeRecord? Get(string name);

    IReadOnlyList<VolumeRecord> List();

    /// <param name="inUse">Tells whether a container refers to the volume.</param>
    void Remove(string name, bool force, Func<string, bool> inUse);

    /// <summary>Removes every volume for which <paramref name="inUse"/> is false; returns them with the bytes freed.</summary>
    IReadOnlyList<VolumeRecord> Prune(Func<string, bool> inUse);
}

/// <param name="Mountpoint">The directory bind-mounted into containers (…/volumes/NAME/_data).</param>
/// <param name="Size">Bytes of data; filled in by Prune only (what was reclaimed), otherwise 0.</param>
public sealed record VolumeRecord(string Name, string Mountpoint, DateTimeOffset Created, IReadOnlyDictionary<string, string> Labels, bool Anonymous, long Size = 0);

/// <summary>
/// Whether a container refers to a volume. The container runtime registers the real one in orchd;
/// until it does, no volume counts as in use.
/// </summary>
public delegate bool VolumeInUse(string name);
