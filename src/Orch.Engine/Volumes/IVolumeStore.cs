namespace Orch.Engine.Volumes;

/// <summary>
/// Named volumes: directories under the data root that outlive containers (the local driver).
/// Contract: Create of an existing name returns it unchanged; Remove refuses a volume in use unless
/// forced; Prune removes every volume no container uses.
/// </summary>
public interface IVolumeStore
{
    VolumeRecord Create(string? name, IReadOnlyDictionary<string, string> labels);

    VolumeRecord? Get(string name);

    IReadOnlyList<VolumeRecord> List();

    /// <param name="inUse">Tells whether a container refers to the volume.</param>
    void Remove(string name, bool force, Func<string, bool> inUse);

    IReadOnlyList<VolumeRecord> Prune(Func<string, bool> inUse);
}

/// <param name="Mountpoint">The directory bind-mounted into containers (…/volumes/NAME/_data).</param>
public sealed record VolumeRecord(string Name, string Mountpoint, DateTimeOffset Created, IReadOnlyDictionary<string, string> Labels, bool Anonymous);
