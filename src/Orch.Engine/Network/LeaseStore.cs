using System.Text.Json;

namespace Orch.Engine.Network;

/// <summary>
/// IPAM for one bridge: which container holds which address. A change is made in memory (bumping
/// <see cref="Version"/>) and written to disk (temp file + fsync + rename) before the caller acts on it, so a
/// daemon killed with SIGKILL restarts with the same leases and never hands one address to two containers.
/// The write is separate from the change so that concurrent attaches share one fsync (the driver's group
/// commit): <see cref="Snapshot"/> under the driver's gate, <see cref="Write"/> under its flush gate.
/// Not thread-safe: the driver serialises callers.
/// </summary>
internal sealed class LeaseStore(string path, string bridge, Ipv4Subnet subnet)
{
    private readonly Dictionary<string, Lease> leases = new(StringComparer.Ordinal);

    public string Path => path;

    public IReadOnlyCollection<Lease> All => leases.Values;

    public Lease? Get(string containerId) => leases.GetValueOrDefault(containerId);

    /// <summary>Counts changes made in memory.</summary>
    public long Version { get; private set; }

    /// <summary>The <see cref="Version"/> whose table is on disk.</summary>
    public long Durable { get; private set; }

    public void Load()
    {
        leases.Clear();
        Durable = ++Version;
        if (!File.Exists(path))
        {
            return;
        }
        LeaseFile? file;
        try
        {
            file = JsonSerializer.Deserialize(File.ReadAllBytes(path), NetworkJsonContext.Default.LeaseFile);
        }
        catch (JsonException e)
        {
            throw new NetworkException($"lease file {path} is corrupt: {e.Message}", e);
        }
        foreach (var lease in file?.Leases ?? [])
        {
            leases[lease.ContainerId] = lease;
        }
    }

    /// <summary>The lowest free address of the subnet (the gateway and broadcast addresses are never leased).</summary>
    public uint Allocate()
    {
        var taken = leases.Values.Select(l => Ipv4Subnet.ToUInt32(l.IPAddress)).ToHashSet();
        for (var a = subnet.FirstHost; a <= subnet.LastHost; a++)
        {
            if (!taken.Contains(a))
            {
                return a;
            }
        }
        throw new NetworkException($"no free address left in {subnet} ({taken.Count} in use)");
    }

    /// <summary>In memory only: the caller makes it durable (the driver's CommitAsync) before acting on it.</summary>
    public void Put(Lease lease)
    {
        leases[lease.ContainerId] = lease;
        Version++;
    }

    /// <summary>In memory only, like <see cref="Put"/>.</summary>
    public bool Remove(string containerId)
    {
        if (!leases.Remove(containerId))
        {
            return false;
        }
        Version++;
        return true;
    }

    /// <summary>Forgets every lease and deletes the file; the caller holds both of the driver's gates.</summary>
    public void Clear()
    {
        leases.Clear();
        if (File.Exists(path))
        {
            File.Delete(path);
        }
        Durable = ++Version;
    }

    /// <summary>The table as it is now, serialised, and its version.</summary>
    public (byte[] Body, long Version) Snapshot() => (JsonSerializer.SerializeToUtf8Bytes(
        new LeaseFile(bridge, subnet.ToString(), [.. leases.Values.OrderBy(l => l.ContainerId, StringComparer.Ordinal)]),
        NetworkJsonContext.Default.LeaseFile), Version);

    /// <summary>Writes a <see cref="Snapshot"/> durably; snapshots must be written in version order (one writer at a time).</summary>
    public void Write(byte[] body, long version)
    {
        var dir = System.IO.Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(dir);
        var tmp = path + ".tmp";
        using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            fs.Write(body);
            fs.Flush(flushToDisk: true);
        }
        // rename(2) is atomic: a reader (or a restarted daemon) sees the old file or the new one, never half of one.
        // The directory is not fsynced: the rename survives kill -9 of the daemon without it, and after a power
        // loss every container is gone anyway; that second journal commit cost ~5 ms per attach here.
        File.Move(tmp, path, overwrite: true);
        Durable = Math.Max(Durable, version);
    }
}
